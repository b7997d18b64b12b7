"""The Serve application's entry point: `import_path: deployments.app:app`."""

from deployments.accounts.deployment import Accounts
from deployments.compliance.deployment import Compliance
from deployments.customers.deployment import Customers
from deployments.fraud.deployment import Fraud
from deployments.gateway import Gateway
from deployments.identity.deployment import Identity
from deployments.notifications.deployment import Notifications

# serve.deployment's overloads do not type the class it decorates, so mypy cannot see bind().
# The money path reaches Fraud by name (actors/banking/fraud_client.py), so that the actors
# moving money on their own (scheduler, settlement) score the same way.
app = Gateway.bind(  # type: ignore[attr-defined]
    Identity.bind(),  # type: ignore[attr-defined]
    Customers.bind(),  # type: ignore[attr-defined]
    Accounts.bind(),  # type: ignore[attr-defined]
    Fraud.bind(),  # type: ignore[attr-defined]
    Notifications.bind(),  # type: ignore[attr-defined]
    Compliance.bind(),  # type: ignore[attr-defined]
)
