-- PostgreSQL for kompilot (issue 26): one database, one owner role. Run once as the postgres superuser:
--   sudo -u postgres psql -v password="'…'" -f deploy/postgres-setup.sql
-- then `python -m kompilot_data migrate` (kompilot-migrate.service) creates the tables with Alembic.
CREATE ROLE kompilot LOGIN PASSWORD :password;
CREATE DATABASE kompilot OWNER kompilot ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8';
\connect kompilot
ALTER SCHEMA public OWNER TO kompilot;
-- the replicas connect as kompilot; nobody else may read the records (org numbers, notes, the audit log)
REVOKE ALL ON DATABASE kompilot FROM PUBLIC;
