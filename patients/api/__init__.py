"""The API for what the patients pages do: referral intake and screening, and the community resource
directory. Registered in config/api.py."""
