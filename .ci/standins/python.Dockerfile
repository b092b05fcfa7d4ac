# Stand-in for python:3.11-slim, built from Debian bookworm (debootstrap): Debian's Python 3.11 in a
# virtual environment on PATH (as /usr/local/bin/python is in the official image), trusting the
# host's extra CA certificates so pip reaches PyPI here.
ARG DEBIAN_IMAGE=predict-worker-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /usr/local/python
COPY certs/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
ENV PATH=/usr/local/python/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
CMD ["python3"]
