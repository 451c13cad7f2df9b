{{ stg_twilio_usage_records('usage_records', 'usage_date') }}
