pytest_plugins = ["crossdesk.testing"]
