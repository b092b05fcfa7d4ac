#!/bin/sh
# RABBITMQ_DEFAULT_USER/PASS/VHOST become the broker's first user, as in the official image; the
# password is stored exactly as given (no decoding), written as an Erlang binary.
set -eu
erl_bin() { printf '<<"%s"/utf8>>' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
conf=/etc/rabbitmq/advanced.config
{
    printf '[{rabbit, [{loopback_users, []}'
    [ -n "${RABBITMQ_DEFAULT_USER:-}" ] && printf ', {default_user, %s}' "$(erl_bin "$RABBITMQ_DEFAULT_USER")"
    [ -n "${RABBITMQ_DEFAULT_PASS:-}" ] && printf ', {default_pass, %s}' "$(erl_bin "$RABBITMQ_DEFAULT_PASS")"
    [ -n "${RABBITMQ_DEFAULT_VHOST:-}" ] && printf ', {default_vhost, %s}' "$(erl_bin "$RABBITMQ_DEFAULT_VHOST")"
    printf ']}].\n'
} > "$conf"
chmod 0640 "$conf"
chown rabbitmq:rabbitmq "$conf"
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq
unset RABBITMQ_DEFAULT_USER RABBITMQ_DEFAULT_PASS RABBITMQ_DEFAULT_VHOST
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
