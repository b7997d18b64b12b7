"""The customers service: profiles, KYC review, identity documents."""
