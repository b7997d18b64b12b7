"""Ray Serve deployments: the gateway (the one HTTP ingress) and one per service."""
