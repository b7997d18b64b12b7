"""The Serve application's entry point: `import_path: deployments.app:app`."""

from deployments.customers.deployment import Customers
from deployments.gateway import Gateway
from deployments.identity.deployment import Identity

# serve.deployment's overloads do not type the class it decorates, so mypy cannot see bind().
app = Gateway.bind(Identity.bind(), Customers.bind())  # type: ignore[attr-defined]
