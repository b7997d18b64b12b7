"""The pure domain of BankFlow: types and rules, no I/O, no Ray."""
