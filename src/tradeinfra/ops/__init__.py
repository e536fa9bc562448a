"""Operating the deployed platform: emulator, deploy, validate, drift, rollback."""
