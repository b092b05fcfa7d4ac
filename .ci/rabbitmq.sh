# Sourced by .ci/run and .ci/test: make sure the local RabbitMQ broker runs (start it if stopped).
# Tests need it on 127.0.0.1:5672 with guest/guest, and its management API on 127.0.0.1:15672
# (tests/metrics.rs reads connections' client properties there); they fail loudly rather than skip.

ensure_rabbitmq() {
    if timeout 30 rabbitmqctl status >/dev/null 2>&1; then
        echo "RabbitMQ is running."
        ensure_management
        return 0
    fi
    echo "RabbitMQ is not running; starting it (rabbitmq-server -detached)."
    rabbitmq-server -detached
    # await_startup waits for the node to boot fully; retry while the node's name is not registered yet.
    local i
    for i in $(seq 1 30); do
        if timeout 60 rabbitmqctl await_startup >/dev/null 2>&1; then
            echo "RabbitMQ started."
            ensure_management
            return 0
        fi
        sleep 2
    done
    echo "RabbitMQ did not start within the time allowed; see /var/log/rabbitmq/" >&2
    return 1
}

# The management plugin (idempotent: enabling an enabled plugin changes nothing).
ensure_management() {
    timeout 60 rabbitmq-plugins enable rabbitmq_management >/dev/null
}
