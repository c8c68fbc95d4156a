"""What the routers do beyond lookups: recording decisions and shortlist picks, rule checks first."""
