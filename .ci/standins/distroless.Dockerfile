# Stand-in for gcr.io/distroless/cc-debian12:nonroot, built from Debian bookworm (debootstrap): glibc,
# libgcc, libstdc++, libssl3, CA certificates, tzdata, a nonroot user (uid/gid 65532), and no shell.
ARG DEBIAN_IMAGE=predict-worker-local/debian:bookworm
FROM ${DEBIAN_IMAGE} AS debian
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 tzdata \
    && rm -rf /var/lib/apt/lists/*
COPY certs/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
# Merged /usr: the top-level symlinks as they are, and each file under its real directory.
RUN set -eu; mkdir -p /rootfs; \
    for l in /bin /lib /lib64 /sbin; do if [ -L "$l" ]; then cp -a "$l" /rootfs/; fi; done; \
    for pkg in libc6 libgcc-s1 libstdc++6 libssl3 zlib1g ca-certificates tzdata netbase base-files; do \
        dpkg -L "$pkg" | while read -r f; do \
            case "$f" in /usr/share/doc/*|/usr/share/man/*|/usr/share/lintian/*|/usr/share/locale/*) continue;; esac; \
            if [ -f "$f" ] || [ -L "$f" ]; then \
                cp -a --parents "$(readlink -f "$(dirname "$f")")/$(basename "$f")" /rootfs/; fi; \
        done; \
    done; \
    cp -a --parents /etc/ssl/certs /rootfs/; \
    mkdir -p /rootfs/tmp /rootfs/home/nonroot /rootfs/root /rootfs/etc; \
    chmod 1777 /rootfs/tmp; chown 65532:65532 /rootfs/home/nonroot; chmod 700 /rootfs/root; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > /rootfs/etc/passwd; \
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > /rootfs/etc/group; \
    printf 'hosts: files dns\n' > /rootfs/etc/nsswitch.conf; \
    rm -f /rootfs/bin/sh /rootfs/usr/bin/sh /rootfs/bin/bash /rootfs/usr/bin/bash

FROM scratch
COPY --from=debian /rootfs/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /home/nonroot
