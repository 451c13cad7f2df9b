"""The figures each page shows, one function per figure, under the shared ``Filters``."""
