# Stand-in for rabbitmq:4.1-management, built from Debian bookworm's rabbitmq-server (3.10) with the
# management plugin enabled. Its entrypoint honours RABBITMQ_DEFAULT_USER/PASS like the official image.
ARG DEBIAN_IMAGE=predict-worker-local/debian:bookworm
FROM ${DEBIAN_IMAGE}
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
    && apt-get update \
    && apt-get install -y --no-install-recommends rabbitmq-server \
    && rm -rf /var/lib/apt/lists/* /var/lib/rabbitmq/mnesia \
    && printf '[rabbitmq_management].\n' > /etc/rabbitmq/enabled_plugins \
    && chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq
COPY rabbitmq-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV HOME=/var/lib/rabbitmq
EXPOSE 5672 15672
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
