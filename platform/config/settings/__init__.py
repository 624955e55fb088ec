"""Settings modules: base (shared), demo (zero setup), test (PostgreSQL + Redis), production."""
