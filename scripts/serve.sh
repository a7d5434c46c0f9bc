#!/usr/bin/env sh
# Production: migrate, collect the static files, then serve with gunicorn (gunicorn.conf.py).
# Everything else comes from the environment (see .env.example); DEBUG is off unless set, so
# SECRET_KEY and ALLOWED_HOSTS are required. Put a TLS proxy in front, with BEHIND_TLS_PROXY=true.
set -eu
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-false}"
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://prescreen@127.0.0.1:5432/prescreen}"
.venv/bin/python manage.py migrate --no-input
.venv/bin/python manage.py collectstatic --no-input
exec .venv/bin/gunicorn
