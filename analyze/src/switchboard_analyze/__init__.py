"""Switchboard analyze: the dashboard, the shareable report and the warehouse snapshot."""
