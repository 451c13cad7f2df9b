{{ stg_twilio_available_phone_numbers('available_phone_numbers_toll_free', 'toll_free') }}
