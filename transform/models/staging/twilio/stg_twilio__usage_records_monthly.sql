{{ stg_twilio_usage_records('usage_records_monthly', 'usage_month') }}
