"""What tests keep out of patrimoine's reach: the variables through which it would find a real installation or key."""

USER_ENV = (
    "PATRIMOINE_HOME",
    "PATRIMOINE_DATABASE_URL",
    "PATRIMOINE_WAREHOUSE",
    "PATRIMOINE_CONFIG",
    "PATRIMOINE_USER",
    "PATRIMOINE_SECRETS__PSEUDONYMISATION_KEY",
)
