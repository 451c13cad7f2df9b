from tap_twilio.cli import main

main()
