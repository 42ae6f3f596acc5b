# The nomination process (DOMAIN §4–5) arrives with its own issue; the app is registered so the layout is final.
