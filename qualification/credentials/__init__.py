"""Digital credentials: each valid certificate as an Open Badges 3.0 credential, signed as a VC-JWT with the
university's key, with the keys, the issuer's profile and the revocation list published for verifiers."""
