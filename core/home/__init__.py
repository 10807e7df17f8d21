"""The home page (each area adds its panel), the theme choice and the health checks."""
