"""Notifications: `tables`; `preferences` (who wants what, when and how); `notify`
(publishing an event); `timing` (digests and quiet hours); `sending` (the queue's
dispatch, retries and fallback); `senders` (what each channel says); `deliveries` (the SMS
cap and what the administrator and senders see); the channels `mail`, `sms`, `webpush`;
`queue` (the task queue that runs dispatch)."""
