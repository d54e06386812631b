"""Built-in plugins: registered through the ``crossdesk`` entry-point group like any third-party plugin."""
