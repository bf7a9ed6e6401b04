# Shared helpers for Ferry's scripts. Source it; it defines functions only.

# The Debian packages the tests and the demo need: the real registry, htpasswd (bcrypt users for
# it), skopeo (the independent check), openssl (test certificates), curl, and nginx (a proxy with a
# body size limit in front of the registry, as an ingress often is), the credential helpers with
# pass and gpg, man (the generated man pages are rendered), git (the commit `ferry version` names).
FERRY_TEST_PACKAGES="docker-registry apache2-utils skopeo openssl curl nginx-light golang-docker-credential-helpers pass gnupg man-db git"
# The node runtimes `ferry load` is tested against, and sshd for loading over ssh. Debian's
# docker.io starts no daemon at install here (policy-rc.d); the tests start their own.
FERRY_NODE_PACKAGES="containerd docker.io podman openssh-server openssh-client busybox-static"

# The libraries Ferry builds against beyond the toolchain's: ISA-L (igzip, the layer compressor),
# zstd and zlib headers.
FERRY_BUILD_PACKAGES="libisal-dev libzstd-dev zlib1g-dev pkg-config"

# Installs any of the named Debian packages that are missing (needs root, as on CI).
ensure_packages() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: need root to install ${missing[*]} (or install them yourself: apt-get install -y ${missing[*]})" >&2
        return 1
    fi
    apt-get update -qq
    # Keep package scripts from starting daemons (dockerd, sshd) with default paths: tests start their own.
    local added_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; added_policy=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ $added_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    return 0
}

# The Helm engine the tests render charts with (PyPI helm-python-sdk, Helm's Go SDK in a wheel).
ensure_helm_engine() {
    python3 -c 'import helm_python' 2>/dev/null && return 0
    echo "installing: helm-python-sdk (PyPI)" >&2
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore helm-python-sdk
}

# A free TCP port on loopback.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_registry DIR: a plain-HTTP registry on a free loopback port, storage in DIR.
# Sets REGISTRY (host:port) and REGISTRY_PID.
start_registry() {
    local dir=$1 port
    port=$(free_port)
    mkdir -p "$dir"
    cat > "$dir/config.yml" <<YAML
version: 0.1
log: {level: info, formatter: text}
storage:
  filesystem: {rootdirectory: $dir/storage}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
  secret: ferry-local
YAML
    docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 &
    REGISTRY_PID=$!
    REGISTRY=127.0.0.1:$port
    for _ in $(seq 1 100); do
        curl -fs "http://$REGISTRY/v2/" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "error: the registry did not start; see $dir/registry.log" >&2
    return 1
}
