"""Test kits for matrixbot and its plugins: FakeBot (the real core over a fake transport), a throwaway
Synapse, chat clients, and a pytest plugin with the fixtures. Nothing the running bot imports uses this."""
