"""Evidence files: safe uploads, the storage allowance, permission-checked downloads, sweeping."""
