"""What every API endpoint shares: token authentication, errors, cursor pages with incremental sync,
ETags and throttles. The endpoints themselves live beside the pages that do the same thing."""
