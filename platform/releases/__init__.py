"""Release proposals, four-eyes approval, signed bundles, catalogue, access and downloads."""
