#!/usr/bin/env bash
# Validates the deployment files without a container engine or a cluster:
#   - Dockerfile: static checks (stages, non-root USER, exec-form ENTRYPOINT, HEALTHCHECK, every
#     COPY source exists, every src/*/*.csproj is copied before `dotnet restore`, CMD names a
#     real finscale command, restore and publish for a Linux runtime identifier, framework-dependent);
#   - docker-compose.yml: `docker-compose config -q`, and every finscale service's command names
#     a real finscale subcommand with options that subcommand has; the local replay yields evidence:
#     the broker keeps the event-time-stamped records (KAFKA_LOG_RETENTION_MS=-1) and the shadow
#     run's --policy (shipped under /app or mounted) allows every namespace the replay and loadgen
#     services' series carry, and passes `finscale policy validate` when the CLI is built;
#   - deploy/overlays/{shadow,dry-run,enforce}: `kubectl kustomize` renders each; every object has
#     apiVersion, kind and metadata.name, the Deployment keeps its hardening, runs a real finscale
#     command with --policy /etc/finscale/policy.yaml mounted read-only from the rendered
#     finscale-policy ConfigMap, whose policy.yaml is byte for byte the overlay's own policy.yaml
#     and is structurally a policy that allows at least one namespace. Shadow: no RBAC, no
#     Kubernetes API (Kubernetes:Enabled unset, no token), --mode shadow, and its policy is
#     deploy/base/policy.yaml (whose shipped default allows no namespace) with namespaces listed,
#     every rule and other guard the same, so its evidence is for what would be promoted. Dry-run and enforce: the
#     Roles/ClusterRoles are exactly deploy/rbac/rbac.yaml's, every binding's subject is the finscale
#     ServiceAccount in the overlay's namespace; ClusterRoles finscale-namespace-view and finscale-executor (the view's
#     namespaced lists, the namespaced writes) are bound by no ClusterRoleBinding, only by RoleBindings, one each in every
#     namespace of the policy's guards.allowed_namespaces and in no other, and Kubernetes:ClusterView:Namespaces lists
#     the same; in-cluster credentials, leader election env
#     (Lease namespace and identity from the downward API), >= 2 replicas, no --mode (the policy's
#     per-kind modes apply); dry-run's policy enforces nothing. Replicas: where a KEDA ScaledObject
#     scales the Deployment (shadow) the Deployment sets no replicas and minReplicaCount >= 2;
#     elsewhere >= 2 replicas; one PodDisruptionBudget (maxUnavailable: 1) selects the pods; the container
#     port named metrics (which the probes and the Service use) is Telemetry:Port (9464 or the env's).
#   - deploy/overlays/shadow-secured-kafka (an example: shadow against SASL_SSL Kafka) is held to shadow's checks, and:
#     security.protocol / sasl.mechanism as FINSCALE_Kafka__Properties__* env, sasl.username / sasl.password only from
#     secretKeyRefs, ssl.ca.location a file of a read-only Secret mount, every Secret key it refers to listed in its
#     secret.example.yaml (never rendered), the ScaledObject's kafka trigger authenticated by a TriggerAuthentication
#     with the kafka scaler's parameters (sasl, username, password, tls, ca) agreeing with finscale's mechanism and TLS;
#     the plain shadow overlay sets no Kafka:Properties and no TriggerAuthentication (plaintext).
#   - finscale commands (compose services, the Deployments' args, the Dockerfile's CMD) are checked against
#     the built CLI's own command tree, read from `finscale ... --help` (FINSCALE_DLL or the Debug build),
#     else against .ci/finscale-cli.json, which tests/FinScale.IntegrationTests/CliTableTests.cs keeps
#     equal to the real tree;
#   - every rendered policy passes `finscale policy validate` when the CLI is already built
#     (.ci/run builds it with the solution first; FINSCALE_DLL names another build); skipped otherwise.
#   - deploy/examples/*/*.yaml (applied by hand, in no overlay): every object has apiVersion, kind and
#     metadata.name; a ScaledObject's external trigger names a deployment and a scalerAddress on a port
#     of the finscale Service (deploy/base/service.yaml).
#
# Idempotent. Runs as root on Debian 12. Installs what is missing: docker-compose and
# python3-yaml from apt (apt-get update at most once); kubectl from Debian's kubernetes-client
# package, extracted into $REPO/.tools/ (gitignored), never installed system-wide.
# Prints one summary line at the end; exits non-zero if any check failed.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$REPO/.tools"
START=$SECONDS
FAILURES=()
PASSED=0

log() { printf 'validate-deploy: %s\n' "$*" >&2; }
pass() { PASSED=$((PASSED + 1)); log "ok   $1"; }
fail() { FAILURES+=("$1"); log "FAIL $1"; }

APT_UPDATED=0
apt_update_once() {
  if [[ $APT_UPDATED -eq 0 ]]; then
    log "apt-get update"
    apt-get update -qq >&2
    APT_UPDATED=1
  fi
}

apt_install() {
  apt_update_once
  log "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# ------------------------------------------------------------------------------------------
# Tools
# ------------------------------------------------------------------------------------------
ensure_docker_compose() {
  command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
  command -v docker-compose >/dev/null 2>&1
}

# A python3 that can `import yaml` (PyYAML); Debian's python3-yaml otherwise.
PYTHON=""
ensure_python_yaml() {
  local candidate
  for candidate in python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import yaml' 2>/dev/null; then
      PYTHON="$candidate"
      return 0
    fi
  done
  apt_install python3 python3-yaml
  /usr/bin/python3 -c 'import yaml' && PYTHON=/usr/bin/python3
}

# kubectl from Debian's kubernetes-client, unpacked (dpkg -x) under $TOOLS, not installed.
KUBECTL=""
find_tools_kubectl() {
  [[ -d "$TOOLS/kubernetes-client" ]] || return 1
  KUBECTL="$(find "$TOOLS/kubernetes-client" -type f -name kubectl -perm -u+x 2>/dev/null | head -n 1)"
  [[ -n "$KUBECTL" ]]
}

ensure_kubectl() {
  find_tools_kubectl && return 0
  local tmp
  tmp="$(mktemp -d)"
  # As root, apt notes that the download is unsandboxed (the _apt user cannot write here): harmless.
  if ! (cd "$tmp" && apt-get download kubernetes-client >&2); then
    apt_update_once
    (cd "$tmp" && apt-get download kubernetes-client >&2) || { rm -rf "$tmp"; return 1; }
  fi
  rm -rf "$TOOLS/kubernetes-client"
  mkdir -p "$TOOLS"
  dpkg -x "$tmp"/kubernetes-client_*.deb "$TOOLS/kubernetes-client"
  rm -rf "$tmp"
  find_tools_kubectl
}

# ------------------------------------------------------------------------------------------
# Shared Python: the finscale command line, read from $FINSCALE_CLI_TABLE: the built CLI's own --help when there is a
# built CLI (cli_table_from_help), else .ci/finscale-cli.json, a copy of the command tree that
# tests/FinScale.IntegrationTests/CliTableTests.cs keeps equal to the real one (System.CommandLine's RootCommand).
# ------------------------------------------------------------------------------------------
export FINSCALE_CLI_TABLE="$REPO/.ci/finscale-cli.json"
read -r -d '' PY_CLI <<'PYEOF' || true
import json, os, shlex

# "audit tail" -> options taking a value, flag options, required options, options' allowed values, positional arguments.
_TABLE = json.load(open(os.environ["FINSCALE_CLI_TABLE"], encoding="utf-8"))["commands"]
CLI = {name: (set(c.get("options", [])), set(c.get("flags", []))) for name, c in _TABLE.items()}
REQUIRED = {name: set(c.get("required", [])) for name, c in _TABLE.items()}
CHOICES = {(name, option): tuple(values) for name, c in _TABLE.items() for option, values in (c.get("choices") or {}).items()}
TAKES_PATHS = {name for name, c in _TABLE.items() if c.get("arguments")}
HELP = {"--help", "-h", "-?"}

def option_values(argv, option):
    """The values given to option in argv (both `--opt v` and `--opt=v`)."""
    values = []
    for i, token in enumerate(argv):
        if token == option and i + 1 < len(argv):
            values.append(argv[i + 1])
        elif token.startswith(option + "="):
            values.append(token.split("=", 1)[1])
    return values

def check_command(argv):
    """Returns a problem with a finscale argv (the part after the entrypoint), or None."""
    if isinstance(argv, str):
        argv = shlex.split(argv)
    argv = [str(a) for a in (argv or [])]
    if not argv:
        return "no command (the image's CMD is used)"
    name, rest = argv[0], argv[1:]
    subcommands = sorted(c.split(" ", 1)[1] for c in CLI if c.startswith(name + " "))
    if subcommands:
        if not rest or rest[0] not in subcommands:
            return "%r needs the subcommand %s, got %r" % (name, "|".join(subcommands), rest[:1])
        name, rest = name + " " + rest[0], rest[1:]
    if name not in CLI:
        return "%r is not a finscale command (%s)" % (argv[0], "|".join(sorted({c.split(" ")[0] for c in CLI})))
    valued, flags = CLI[name]
    positional = []
    i = 0
    while i < len(rest):
        token = rest[i]
        option = token.split("=", 1)[0] if token.startswith("-") else None
        if option is None:
            positional.append(token)
        elif option in flags or option in HELP:
            pass
        elif option in valued:
            if "=" not in token:
                i += 1
                if i >= len(rest):
                    return "%s: option %s needs a value" % (name, option)
        else:
            return "%s: unknown option %s" % (name, token)
        i += 1
    for (command, option), allowed in CHOICES.items():
        for value in option_values(rest, option) if command == name else []:
            if value not in allowed:
                return "%s: %s must be %s, got %r" % (name, option, "|".join(allowed), value)
    for option in sorted(REQUIRED.get(name, ())):
        if not option_values(rest, option):
            return "%s: %s is required" % (name, option)
    if positional and name not in TAKES_PATHS:
        return "%s: unexpected argument(s) %s" % (name, positional)
    if name in TAKES_PATHS and not positional:
        return "%s: needs %s" % (name, " ".join(_TABLE[name]["arguments"]))
    return None
PYEOF

# The command tree of the built CLI ($FINSCALE_CLI), from `finscale [COMMAND...] --help` for every command, written to
# $1 in .ci/finscale-cli.json's shape, so the compose and Deployment commands are checked against the real CLI.
cli_table_from_help() {
  "$PYTHON" - "$FINSCALE_CLI" "$1" <<'PYEOF'
import json, re, subprocess, sys
dll, out = sys.argv[1:3]
HELP = {"-?", "-h", "--help", "--version"}

def sections(path):
    p = subprocess.run(["dotnet", dll] + path + ["--help"], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise SystemExit("finscale %s --help: exit %d: %s" % (" ".join(path), p.returncode, p.stderr.strip()))
    found, current = {}, None
    for line in p.stdout.splitlines():
        if re.match(r"^\S.*:$", line):
            current = found.setdefault(line[:-1], [])
        elif current is not None and re.match(r"^  \S", line):
            current.append(re.split(r"\s{2,}", line.strip())[0])   # the usage column, without the description
    return found

commands = {}
def walk(path):
    found = sections(path)
    subcommands = [usage.split()[0] for usage in found.get("Commands", [])]
    for sub in subcommands:
        walk(path + [sub])
    if subcommands:
        return
    entry = {"options": [], "flags": [], "required": [], "choices": {}, "arguments": []}
    for usage in found.get("Options", []):
        required = "(REQUIRED)" in usage
        m = re.match(r"^(.*?)(?:\s+<([^>]*)>)?$", usage.replace("(REQUIRED)", "").strip())
        names = [n.strip() for n in m.group(1).split(",")]
        if set(names) & HELP:
            continue
        entry["flags" if m.group(2) is None else "options"].extend(names)
        if required:
            entry["required"].append(max(names, key=len))
        if m.group(2) and "|" in m.group(2):
            entry["choices"][max(names, key=len)] = m.group(2).split("|")
    entry["arguments"] = [re.sub(r"[<>]", "", usage.split()[0]) for usage in found.get("Arguments", [])]
    commands[" ".join(path)] = {k: (sorted(v) if isinstance(v, list) and k != "arguments" else v) for k, v in entry.items()}

walk([])
if not commands:
    raise SystemExit("no commands in finscale --help")
with open(out, "w", encoding="utf-8") as f:
    json.dump({"commands": commands}, f, indent=2, sort_keys=True)
print("finscale --help: %d commands" % len(commands), file=sys.stderr)
PYEOF
}

# ------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------
check_dockerfile() {
  "$PYTHON" - "$REPO" <<PYEOF
import json, os, re, sys, glob
$PY_CLI
repo = sys.argv[1]
path = os.path.join(repo, "Dockerfile")
problems = []
text = open(path, encoding="utf-8").read()
# Join continuation lines; drop comments and blank lines.
lines, current = [], ""
for raw in text.splitlines():
    stripped = raw.strip()
    if not current and (not stripped or stripped.startswith("#")):
        continue
    if stripped.endswith("\\\\"):
        current += stripped[:-1] + " "
        continue
    lines.append(current + stripped)
    current = ""
instructions = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l else "") for l in lines]
kinds = [k for k, _ in instructions]
known = {"FROM","RUN","CMD","LABEL","EXPOSE","ENV","ADD","COPY","ENTRYPOINT","VOLUME","USER",
         "WORKDIR","ARG","ONBUILD","STOPSIGNAL","HEALTHCHECK","SHELL","MAINTAINER"}
for k, _ in instructions:
    if k not in known:
        problems.append("unknown instruction %s" % k)
if not kinds or kinds[0] not in ("FROM", "ARG"):
    problems.append("must start with FROM (or ARG)")
froms = [a for k, a in instructions if k == "FROM"]
if len(froms) < 2:
    problems.append("expected a multi-stage build (>= 2 FROM), found %d" % len(froms))
if froms and "dotnet/aspnet" not in froms[-1]:
    problems.append("final stage should be mcr.microsoft.com/dotnet/aspnet (the runtime with ASP.NET Core, which finscale needs), is %r" % froms[-1])
for image in froms:
    if re.search(r"alpine|chiseled|distroless", image):
        problems.append("%r: librdkafka needs glibc; check before using alpine/chiseled" % image)
final = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM"):]
users = [a.strip() for k, a in final if k == "USER"]
if not users or users[-1] in ("root", "0", "0:0"):
    problems.append("final stage must switch to a non-root USER")
def exec_form(kind):
    args = [a for k, a in final if k == kind]
    if not args:
        return None
    try:
        value = json.loads(args[-1])
    except ValueError:
        problems.append("%s must be in exec (JSON) form: %s" % (kind, args[-1]))
        return None
    return value
entrypoint = exec_form("ENTRYPOINT")
if entrypoint != ["dotnet", "/app/finscale.dll"]:
    problems.append("ENTRYPOINT should be [\"dotnet\", \"/app/finscale.dll\"], is %r" % entrypoint)
cmd = exec_form("CMD")
if cmd is not None:
    problem = check_command(cmd)
    if problem:
        problems.append("CMD: " + problem)
if "HEALTHCHECK" not in [k for k, _ in final]:
    problems.append("final stage has no HEALTHCHECK")
# COPY sources from the build context must exist.
copied = set()
for k, a in instructions:
    if k not in ("COPY", "ADD"):
        continue
    parts = [p for p in a.split() if not p.startswith("--")]
    if any(p.startswith("--from") for p in a.split()):
        continue
    for src in parts[:-1]:
        matches = glob.glob(os.path.join(repo, src))
        if not matches:
            problems.append("COPY source %s does not exist" % src)
        copied.update(os.path.relpath(m, repo) for m in matches)
# Every project under src/ must be in the restore layer, copied before the first RUN dotnet restore.
restore_at = next((i for i, (k, a) in enumerate(instructions) if k == "RUN" and "dotnet restore" in a), None)
if restore_at is None:
    problems.append("no RUN dotnet restore")
else:
    before = set()
    for k, a in instructions[:restore_at]:
        if k == "COPY":
            before.update(p for p in a.split()[:-1] if not p.startswith("--"))
    for project in sorted(glob.glob(os.path.join(repo, "src", "*", "*.csproj"))):
        rel = os.path.relpath(project, repo)
        if rel not in before:
            problems.append("%s is not copied before dotnet restore" % rel)
    for f in ("Directory.Build.props", "Directory.Packages.props", "global.json"):
        if os.path.exists(os.path.join(repo, f)) and f not in before:
            problems.append("%s is not copied before dotnet restore" % f)
# Publish for Linux only, framework-dependent: a RID-agnostic publish carries librdkafka for seven platforms
# (runtimes/*/native, ~100 MB). The restore needs the same RID, as the publish runs --no-restore.
runs = [a for k, a in instructions if k == "RUN"]
publish = next((a for a in runs if "dotnet publish" in a), None)
restore = next((a for a in runs if "dotnet restore" in a), None)
def rid_given(command):
    return re.search(r"(^|\s)(-r|--runtime)(\s|=)", command) is not None
if publish is None:
    problems.append("no RUN dotnet publish")
else:
    if not rid_given(publish):
        problems.append("dotnet publish names no runtime identifier (-r linux-x64): the image would carry librdkafka for every platform")
    if not re.search(r"--self-contained(\s+|=)false|--no-self-contained", publish):
        problems.append("dotnet publish must be framework-dependent (--self-contained false): the aspnet runtime image has .NET")
    if restore is not None and "--no-restore" in publish and not rid_given(restore):
        problems.append("dotnet restore names no runtime identifier, which a --no-restore RID-specific publish needs")
if "linux-x64" not in " ".join(runs) or re.search(r"\b(win|osx)-(x64|x86|arm64)\b", " ".join(runs)):
    problems.append("the build should target linux-x64 (and no Windows/macOS runtime identifier)")
for p in problems:
    print("Dockerfile: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYEOF
}

check_dockerignore() {
  local f="$REPO/.dockerignore" pattern missing=()
  [[ -f "$f" ]] || { log ".dockerignore is missing"; return 1; }
  for pattern in 'bin/' 'obj/' '.git'; do
    grep -qF -- "$pattern" "$f" || missing+=("$pattern")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    log ".dockerignore does not exclude: ${missing[*]}"
    return 1
  fi
}

check_compose_config() {
  (cd "$REPO" && docker-compose -f docker-compose.yml config -q)
}

check_compose_commands() {
  # The resolved configuration (anchors and merges applied), as docker-compose sees it.
  (cd "$REPO" && docker-compose -f docker-compose.yml config) | "$PYTHON" -c "$PY_CLI
import sys, yaml
doc = yaml.safe_load(sys.stdin)
problems, seen = [], 0
for name, service in sorted((doc.get('services') or {}).items()):
    image = str(service.get('image', ''))
    if 'build' not in service and not image.startswith('finscale'):
        continue  # not the finscale image (kafka)
    seen += 1
    if 'command' not in service:
        print('compose: %s: no command, the image CMD (run) applies' % name, file=sys.stderr)
        continue
    problem = check_command(service['command'])
    if problem:
        problems.append('service %s: %s' % (name, problem))
    if service.get('read_only') is not True:
        problems.append('service %s: read_only is not true' % name)
    tmpfs = service.get('tmpfs') or []
    if '/tmp' not in ([tmpfs] if isinstance(tmpfs, str) else tmpfs):
        problems.append('service %s: no tmpfs at /tmp' % name)
    if 'ALL' not in (service.get('cap_drop') or []):
        problems.append('service %s: cap_drop does not drop ALL' % name)
    if not any(str(o).replace('=', ':') in ('no-new-privileges:true', 'no-new-privileges') for o in service.get('security_opt') or []):
        problems.append('service %s: no security_opt no-new-privileges:true' % name)
if seen == 0:
    problems.append('no finscale services found')
for p in problems:
    print('docker-compose.yml: ' + p, file=sys.stderr)
sys.exit(1 if problems else 0)
"
}

# The local replay produces evidence: the shadow `finscale run` decides with a policy that allows the namespaces of the
# workloads compose feeds it (the replayed samples' k8s.namespace.name, loadgen's LoadGenerator.Namespace), from a file
# in the image (/app/X is the repository's X, which the Dockerfile publishes) or mounted read-only; and the broker
# keeps the replayed records, whose timestamps are their weeks-old event time (log.retention.ms=-1). Writes the
# policy's repository path to $1, for `finscale policy validate`.
check_compose_replay() {
  (cd "$REPO" && docker-compose -f docker-compose.yml config) | "$PYTHON" -c "$PY_CLI
import glob, os, re, sys, yaml
repo, policy_out = sys.argv[1:3]
doc = yaml.safe_load(sys.stdin)
services = doc.get('services') or {}
problems = []
def argv(svc):
    c = svc.get('command') or []
    return [str(a) for a in (shlex.split(c) if isinstance(c, str) else c)]
def env(svc):
    e = svc.get('environment') or {}
    if isinstance(e, list):
        e = dict(x.split('=', 1) if '=' in x else (x, None) for x in e)
    return {k: (None if v is None else str(v)) for k, v in e.items()}

# The broker: no time-based retention.
brokers = {n: s for n, s in services.items() if str(s.get('image', '')).startswith('apache/kafka')}
if not brokers:
    problems.append('no apache/kafka service')
for name, svc in brokers.items():
    if env(svc).get('KAFKA_LOG_RETENTION_MS') != '-1':
        problems.append('service %s: KAFKA_LOG_RETENTION_MS must be \"-1\" (replayed records carry weeks-old event time; the default 7 days deletes them), is %r' % (name, env(svc).get('KAFKA_LOG_RETENTION_MS')))

# The namespaces the compose workloads carry.
wanted = {}
for name, svc in services.items():
    args = argv(svc)
    if args[:1] == ['replay']:
        paths, i = [], 1
        while i < len(args):
            if not args[i].startswith('-'):
                paths.append(args[i])
            elif '=' not in args[i] and args[i] in CLI['replay'][0]:
                i += 1  # the option's value
            i += 1
        for path in paths:
            if not path.startswith('/app/'):
                continue
            local = os.path.join(repo, path[len('/app/'):])
            files = sorted(glob.glob(os.path.join(local, '**', '*.csv'), recursive=True)) if os.path.isdir(local) else [local]
            for f in files:
                if not os.path.isfile(f):
                    problems.append('service %s: %s is not in the image (no %s)' % (name, path, os.path.relpath(f, repo)))
                    continue
                for line in open(f, encoding='utf-8'):
                    m = re.match(r'#\s*k8s\.namespace\.name\s*=\s*(\S+)', line)
                    if m:
                        wanted.setdefault(m.group(1), set()).add('%s (%s)' % (name, os.path.relpath(f, repo)))
    if args[:1] == ['loadgen']:
        m = re.search(r'const\s+string\s+Namespace\s*=\s*\"([^\"]+)\"', open(os.path.join(repo, 'src/FinScale.Host/Loadgen/LoadGenerator.cs'), encoding='utf-8').read())
        if not m:
            problems.append('src/FinScale.Host/Loadgen/LoadGenerator.cs: no const string Namespace')
        else:
            wanted.setdefault(m.group(1), set()).add(name)
if not wanted:
    problems.append('no replay or loadgen service: nothing to check the policy against')

runs = {n: s for n, s in services.items() if argv(s)[:1] == ['run']}
if not runs:
    problems.append('no finscale run service')
for name, svc in runs.items():
    args = argv(svc)
    modes = option_values(args, '--mode')
    if modes != ['shadow']:
        problems.append('service %s: the local replay runs --mode shadow, has %s' % (name, modes))
    policies = option_values(args, '--policy')
    if len(policies) != 1:
        problems.append('service %s: pass one --policy that allows the namespaces of %s (the default allows none)' % (name, sorted(wanted)))
        continue
    path, local = policies[0], None
    for v in svc.get('volumes') or []:
        if isinstance(v, str):
            parts = v.split(':')
            v = {'source': parts[0], 'target': parts[1] if len(parts) > 1 else parts[0], 'read_only': parts[2:] == ['ro']}
        if v.get('target') == path:
            if v.get('read_only') is not True:
                problems.append('service %s: the policy mount is not read-only' % name)
            source = v.get('source', '')
            local = source if os.path.isabs(source) else os.path.join(repo, source)
    if local is None and path.startswith('/app/'):
        local = os.path.join(repo, path[len('/app/'):])
    if local is None or not os.path.isfile(local):
        problems.append('service %s: --policy %s is neither mounted nor a repository file the image ships under /app' % (name, path))
        continue
    policy = yaml.safe_load(open(local, encoding='utf-8')) or {}
    allowed = set((policy.get('guards') or {}).get('allowed_namespaces') or [])
    for ns, users in sorted(wanted.items()):
        if ns not in allowed:
            problems.append('service %s: %s (guards.allowed_namespaces %s) does not allow namespace %s of %s: its decisions would all be held back' % (name, os.path.relpath(local, repo), sorted(allowed), ns, ', '.join(sorted(users))))
    with open(policy_out, 'w', encoding='utf-8') as f:
        f.write(local)
    print('compose: %s decides with %s, allowing %s; workloads in %s' % (name, os.path.relpath(local, repo), sorted(allowed), sorted(wanted)), file=sys.stderr)
for p in problems:
    print('docker-compose.yml: ' + p, file=sys.stderr)
sys.exit(1 if problems else 0)
" "$REPO" "$1"
}

# The Collector of the local replay: a pinned contrib image, its config mounted read-only, OTLP in on
# 4317/4318, the kafka exporter writing otlp_proto to the topics finscale reads by default
# (src/FinScale.Contracts/TopicNames.cs), partitioned by resource attributes / trace id, and the loadgen
# service pointed at its OTLP/HTTP port.
check_collector_config() {
  (cd "$REPO" && docker-compose -f docker-compose.yml config) | "$PYTHON" -c "$PY_CLI
import os, re, sys, yaml
repo = sys.argv[1]
doc = yaml.safe_load(sys.stdin)
services = doc.get('services') or {}
problems = []
names = open(os.path.join(repo, 'src/FinScale.Contracts/TopicNames.cs'), encoding='utf-8').read()
def default_topic(const):
    m = re.search(r'const\s+string\s+%s\s*=\s*\"([^\"]+)\"' % const, names)
    if not m:
        problems.append('TopicNames.cs: no constant %s' % const)
    return m.group(1) if m else None
want = {'metrics': default_topic('OtlpMetrics'), 'traces': default_topic('OtlpSpans')}

collectors = {n: s for n, s in services.items() if 'opentelemetry-collector-contrib' in str(s.get('image', ''))}
if len(collectors) != 1:
    problems.append('expected one otel/opentelemetry-collector-contrib service, found %s' % sorted(collectors))
for name, svc in collectors.items():
    image = str(svc['image'])
    tag = image.rsplit(':', 1)[1] if ':' in image.split('/')[-1] else ''
    if not re.fullmatch(r'\d+\.\d+\.\d+', tag):
        problems.append('service %s: image %s is not pinned to a version' % (name, image))
    args = [str(a) for a in (svc.get('command') or [])]
    config_path = next((a.split('=', 1)[1] for a in args if a.startswith('--config=')), None)
    if config_path is None and '--config' in args:
        config_path = args[args.index('--config') + 1]
    config_path = config_path or '/etc/otelcol-contrib/config.yaml'
    mount = None
    for v in svc.get('volumes') or []:
        if isinstance(v, str):
            parts = v.split(':')
            v = {'source': parts[0], 'target': parts[1], 'read_only': parts[2:] == ['ro']}
        if v.get('target') == config_path:
            mount = v
    if mount is None:
        problems.append('service %s: nothing is mounted at its config %s' % (name, config_path))
        continue
    if mount.get('read_only') is not True:
        problems.append('service %s: the config mount is not read-only' % name)
    source = mount.get('source', '')
    source = source if os.path.isabs(source) else os.path.join(repo, source)
    if not os.path.isfile(source):
        problems.append('service %s: config source %s does not exist' % (name, source))
        continue
    rel = os.path.relpath(source, repo)
    config = yaml.safe_load(open(source, encoding='utf-8')) or {}
    protocols = (((config.get('receivers') or {}).get('otlp') or {}).get('protocols') or {})
    for proto, port in (('grpc', 4317), ('http', 4318)):
        endpoint = str((protocols.get(proto) or {}).get('endpoint', ''))
        if not endpoint.endswith(':%d' % port):
            problems.append('%s: receivers.otlp.protocols.%s.endpoint should listen on :%d, is %r' % (rel, proto, port, endpoint))
    kafka = (config.get('exporters') or {}).get('kafka')
    if not isinstance(kafka, dict):
        problems.append('%s: no exporters.kafka' % rel)
        kafka = {}
    if 'kafka:9092' not in [str(b) for b in kafka.get('brokers') or []]:
        problems.append('%s: exporters.kafka.brokers does not include kafka:9092' % rel)
    for signal, topic in want.items():
        block = kafka.get(signal) or {}
        if block.get('topic') != topic:
            problems.append('%s: exporters.kafka.%s.topic is %r, finscale reads %r' % (rel, signal, block.get('topic'), topic))
        if block.get('encoding') != 'otlp_proto':
            problems.append('%s: exporters.kafka.%s.encoding is %r, finscale expects otlp_proto (Otlp:*Encoding)' % (rel, signal, block.get('encoding')))
    if 'topic' in kafka or 'encoding' in kafka:
        problems.append('%s: top-level topic/encoding are deprecated (v0.124.0) and removed in newer images: use metrics:/traces:' % rel)
    for key in ('partition_metrics_by_resource_attributes', 'partition_traces_by_id'):
        if kafka.get(key) is not True:
            problems.append('%s: exporters.kafka.%s is not true' % (rel, key))
    pipelines = ((config.get('service') or {}).get('pipelines') or {})
    for signal in ('metrics', 'traces'):
        p = pipelines.get(signal) or {}
        if 'otlp' not in (p.get('receivers') or []) or 'kafka' not in (p.get('exporters') or []):
            problems.append('%s: service.pipelines.%s must go from otlp to kafka' % (rel, signal))
        for component in p.get('processors') or []:
            if component not in (config.get('processors') or {}):
                problems.append('%s: pipeline %s uses undefined processor %s' % (rel, signal, component))
    for ext in (config.get('service') or {}).get('extensions') or []:
        if ext not in (config.get('extensions') or {}):
            problems.append('%s: service.extensions names undefined extension %s' % (rel, ext))

    # The load generator sends OTLP/HTTP to this collector.
    loadgens = {n: s for n, s in services.items() if [str(a) for a in (s.get('command') or [])][:1] == ['loadgen']}
    if not loadgens:
        problems.append('no loadgen service sends to %s' % name)
    for lname, lsvc in loadgens.items():
        endpoints = option_values([str(a) for a in lsvc['command']], '--otlp-endpoint')
        if endpoints != ['http://%s:4318' % name]:
            problems.append('service %s: --otlp-endpoint should be http://%s:4318 (OTLP/HTTP), is %s' % (lname, name, endpoints))
        if name not in (lsvc.get('depends_on') or {}):
            problems.append('service %s: does not depend on %s' % (lname, name))
for p in problems:
    print('docker-compose.yml: ' + p, file=sys.stderr)
sys.exit(1 if problems else 0)
" "$REPO"
}

check_examples() {
  "$PYTHON" - "$REPO" <<'PYEOF'
import glob, os, sys, yaml
repo = sys.argv[1]
problems = []
service = yaml.safe_load(open(os.path.join(repo, "deploy/base/service.yaml"), encoding="utf-8"))
ports = {str(p.get("port")) for p in (service.get("spec") or {}).get("ports") or []}
files = sorted(glob.glob(os.path.join(repo, "deploy/examples/*/*.yaml")))
if not files:
    problems.append("no example files")
for path in files:
    rel = os.path.relpath(path, repo)
    try:
        docs = [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d is not None]
    except yaml.YAMLError as ex:
        problems.append("%s: not YAML: %s" % (rel, ex))
        continue
    if not docs:
        problems.append("%s: no objects" % rel)
    for i, d in enumerate(docs):
        where = "%s object #%d" % (rel, i + 1)
        if not isinstance(d, dict):
            problems.append(where + " is not a mapping")
            continue
        for key in ("apiVersion", "kind"):
            if not d.get(key):
                problems.append("%s has no %s" % (where, key))
        if not (d.get("metadata") or {}).get("name"):
            problems.append("%s (%s) has no metadata.name" % (where, d.get("kind")))
        if d.get("kind") == "ScaledObject":
            for t in (d.get("spec") or {}).get("triggers") or []:
                if t.get("type") != "external":
                    continue
                meta = t.get("metadata") or {}
                address = str(meta.get("scalerAddress") or "")
                if address.rpartition(":")[2] not in ports:
                    problems.append("%s: external trigger's scalerAddress %r is not on a port of the finscale Service %s" % (where, address, sorted(ports)))
                if not meta.get("deployment"):
                    problems.append("%s: external trigger names no deployment (finscale answers InvalidArgument)" % where)
    print("%s: %s" % (rel, ", ".join("%s/%s" % (d.get("kind"), (d.get("metadata") or {}).get("name")) for d in docs if isinstance(d, dict))), file=sys.stderr)
for p in problems:
    print("deploy/examples: " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYEOF
}

# The overlays CI renders, and where their rendered finscale-policy ConfigMaps are written for the CLI.
OVERLAYS=(shadow dry-run enforce shadow-secured-kafka)
# An example overlay's base, whose checks (and policy) it is held to.
base_overlay() { case "$1" in shadow-secured-kafka) echo shadow ;; *) echo "$1" ;; esac; }
WORK=""
render_overlay() {
  # Current Kustomize notes deprecated fields on stderr; only the exit code matters here.
  "$KUBECTL" kustomize "$REPO/deploy/overlays/$1" >"$WORK/$1.yaml"
}

check_rendered_objects() {
  FINSCALE_BASE_OVERLAY="$(base_overlay "$1")" "$PYTHON" - "$REPO" "$1" "$WORK/$1.yaml" "$WORK/$1.policy.yaml" <<PYEOF
import sys, os, yaml
$PY_CLI
repo, overlay, rendered, policy_out = sys.argv[1:5]
# An example overlay built on another (shadow-secured-kafka on shadow) is held to that overlay's rules and policy.
label, overlay = overlay, os.environ.get("FINSCALE_BASE_OVERLAY") or overlay
docs = [d for d in yaml.safe_load_all(open(rendered, encoding="utf-8")) if d is not None]
problems = []
RBAC_KINDS = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
CLUSTER_SCOPED = ("ClusterRole", "ClusterRoleBinding", "Namespace")
API_OVERLAY = overlay != "shadow"   # dry-run and enforce contact the API server
POLICY_PATH = "/etc/finscale/policy.yaml"

if not docs:
    problems.append("rendered no objects")
kinds, ids = [], set()
for i, d in enumerate(docs):
    where = "object #%d" % (i + 1)
    if not isinstance(d, dict):
        problems.append("%s is not a mapping" % where)
        continue
    for key in ("apiVersion", "kind"):
        if not d.get(key):
            problems.append("%s has no %s" % (where, key))
    name = (d.get("metadata") or {}).get("name")
    if not name:
        problems.append("%s (%s) has no metadata.name" % (where, d.get("kind")))
    ns = (d.get("metadata") or {}).get("namespace")
    key = (d.get("kind"), ns, name)
    if key in ids:
        problems.append("%s/%s appears twice" % (d.get("kind"), name))
    ids.add(key)
    kinds.append("%s/%s" % (d.get("kind"), name))
docs = [d for d in docs if isinstance(d, dict)]
def of_kind(*k):
    return [d for d in docs if d.get("kind") in k]

# Namespaces: shadow is namespace-less (kubectl -n picks it); the API overlays pin one, which the
# bindings' subjects and the Lease Role depend on.
# The per-namespace RoleBindings (to the ClusterRoles of the cluster view's lists and the executor's writes) live in the
# namespaces finscale may act on, not in its own.
NAMESPACE_ROLES = (("ClusterRole", "finscale-namespace-view"), ("ClusterRole", "finscale-executor"))
def is_namespace_binding(d):
    ref = d.get("roleRef") or {}
    return d.get("kind") == "RoleBinding" and (ref.get("kind"), ref.get("name")) in NAMESPACE_ROLES
namespaced = [d for d in docs if d.get("kind") not in CLUSTER_SCOPED and not is_namespace_binding(d)]
namespaces = {(d.get("metadata") or {}).get("namespace") for d in namespaced}
if API_OVERLAY:
    if len(namespaces) != 1 or None in namespaces:
        problems.append("every namespaced object needs the overlay's one namespace, found %s" % sorted(map(str, namespaces)))
else:
    for d in namespaced:
        if (d.get("metadata") or {}).get("namespace"):
            problems.append("%s/%s sets a namespace; the shadow overlay is namespace-less" % (d["kind"], d["metadata"].get("name")))
namespace = next(iter(namespaces)) if len(namespaces) == 1 else None

# The policy ConfigMap(s): name -> policy.yaml text.
policies = {d["metadata"]["name"]: (d.get("data") or {}).get("policy.yaml")
            for d in of_kind("ConfigMap") if "policy.yaml" in (d.get("data") or {})}
source = os.path.join(repo, "deploy", "overlays", overlay, "policy.yaml")
base_policy_path = os.path.join(repo, "deploy", "base", "policy.yaml")

deployments = of_kind("Deployment")
if len(deployments) != 1:
    problems.append("expected one Deployment, found %d" % len(deployments))
for d in deployments:
    name = d["metadata"]["name"]
    spec = d.get("spec") or {}
    pod = spec["template"]["spec"]
    psc = pod.get("securityContext") or {}
    if psc.get("runAsNonRoot") is not True:
        problems.append("Deployment/%s: pod securityContext.runAsNonRoot is not true" % name)
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        problems.append("Deployment/%s: seccompProfile is not RuntimeDefault" % name)
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    tmp_volumes = {n for n, v in volumes.items() if "emptyDir" in v}
    token = pod.get("automountServiceAccountToken")
    if pod.get("serviceAccountName") != "finscale":
        problems.append("Deployment/%s: serviceAccountName is not finscale" % name)
    # Replicas: a ScaledObject (KEDA) on this Deployment owns the count, so the Deployment must set none (kubectl apply
    # would reset KEDA's count to it on every re-apply); otherwise at least two. Either way the PodDisruptionBudget
    # (maxUnavailable: 1) then always leaves one running.
    scalers = [o for o in of_kind("ScaledObject")
               if ((o.get("spec") or {}).get("scaleTargetRef") or {}).get("name") == name
               and ((o.get("spec") or {}).get("scaleTargetRef") or {}).get("kind", "Deployment") == "Deployment"]
    for o in scalers:
        where = "ScaledObject/%s" % o["metadata"]["name"]
        if "replicas" in spec:
            problems.append("Deployment/%s: sets replicas (%s) while %s owns the count: every re-apply would reset it" % (name, spec["replicas"], where))
        low, high = (o.get("spec") or {}).get("minReplicaCount", 0), (o.get("spec") or {}).get("maxReplicaCount", 100)
        if not isinstance(low, int) or low < 2:
            problems.append("%s: minReplicaCount is %r; at least 2, so the PodDisruptionBudget leaves a consumer running through a drain" % (where, low))
        elif not isinstance(high, int) or high < low:
            problems.append("%s: maxReplicaCount %r is below minReplicaCount %r" % (where, high, low))
    if not scalers and (spec.get("replicas") or 1) < 2:
        problems.append("Deployment/%s: runs %s replica(s) and no ScaledObject scales it; the %s overlay needs two" % (name, spec.get("replicas") or 1, overlay))
    if API_OVERLAY and scalers:
        problems.append("Deployment/%s: the %s overlay runs two replicas active/passive under leader election; a ScaledObject would only add standbys" % (name, overlay))
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    pdbs = [b for b in of_kind("PodDisruptionBudget")
            if ((b.get("spec") or {}).get("selector") or {}).get("matchLabels")
            and all(labels.get(k) == v for k, v in b["spec"]["selector"]["matchLabels"].items())]
    if len(pdbs) != 1 or (pdbs[0].get("spec") or {}).get("maxUnavailable") != 1:
        problems.append("Deployment/%s: expected one PodDisruptionBudget with maxUnavailable: 1 selecting its pods, found %s" % (name, [b["metadata"]["name"] for b in pdbs]))
    if API_OVERLAY:
        if token is not True:
            problems.append("Deployment/%s: automountServiceAccountToken must be true (in-cluster credentials)" % name)
    elif token is not False:
        problems.append("Deployment/%s: shadow mounts no service account token" % name)
    for c in pod.get("containers") or []:
        where = "Deployment/%s container %s" % (name, c.get("name"))
        sc = c.get("securityContext") or {}
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(where + ": readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(where + ": allowPrivilegeEscalation is not false")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problems.append(where + ": capabilities do not drop ALL")
        mounts = c.get("volumeMounts") or []
        if not any(m.get("mountPath") == "/tmp" and m.get("name") in tmp_volumes for m in mounts):
            problems.append(where + ": no emptyDir at /tmp")
        res = c.get("resources") or {}
        if not res.get("requests") or not res.get("limits"):
            problems.append(where + ": resource requests and limits are required")
        args = [str(a) for a in c.get("args") or []]
        problem = check_command(args)
        if problem:
            problems.append(where + ": args: " + problem)
        if args[:1] != ["run"]:
            problems.append(where + ": args must start with run, are %s" % args)
        if "--policy" not in args or args[args.index("--policy") + 1:args.index("--policy") + 2] != [POLICY_PATH]:
            problems.append(where + ": args must pass --policy " + POLICY_PATH)
        if overlay == "shadow" and args[-2:] != ["--mode", "shadow"] and "--mode=shadow" not in args:
            problems.append(where + ": the shadow overlay must run --mode shadow")
        if API_OVERLAY and any(a == "--mode" or a.startswith("--mode=") for a in args):
            problems.append(where + ": no --mode in the %s overlay: it would override the policy's per-kind modes" % overlay)
        # The policy file: a read-only mount of the rendered finscale-policy ConfigMap.
        mount = next((m for m in mounts if POLICY_PATH.startswith(m.get("mountPath", "").rstrip("/") + "/")), None)
        cm = ((volumes.get((mount or {}).get("name")) or {}).get("configMap") or {}).get("name")
        if mount is None or cm is None:
            problems.append(where + ": %s is not mounted from a ConfigMap" % POLICY_PATH)
        elif mount.get("readOnly") is not True:
            problems.append(where + ": the policy mount is not readOnly")
        elif cm not in policies:
            problems.append(where + ": the policy volume names ConfigMap %s, which is not rendered with a policy.yaml" % cm)
        else:
            text = policies[cm]
            with open(policy_out, "w", encoding="utf-8") as f:
                f.write(text)
            if text.encode("utf-8") != open(source, "rb").read():
                problems.append("ConfigMap/%s policy.yaml differs from %s" % (cm, os.path.relpath(source, repo)))
            try:
                policy = yaml.safe_load(text)
                modes = policy.get("modes") or {}
                kinds_modes = dict(modes.get("actions") or {})
                valid = ("shadow", "dry-run", "enforce")
                if policy.get("apiVersion") != "finscale.io/v1" or policy.get("kind") != "RemediationPolicy":
                    problems.append("policy: not a finscale.io/v1 RemediationPolicy")
                if modes.get("default") not in valid or any(m not in valid for m in kinds_modes.values()):
                    problems.append("policy: modes must be shadow|dry-run|enforce: %s" % modes)
                if not isinstance(policy.get("rules"), list) or not policy["rules"]:
                    problems.append("policy: no rules")
                allowed = (policy.get("guards") or {}).get("allowed_namespaces")
                policy_namespaces = set(map(str, allowed or []))
                effective = set(kinds_modes.values()) | {modes.get("default")}
                if API_OVERLAY and not allowed:
                    problems.append("policy: guards.allowed_namespaces is empty: the %s overlay would act on nothing" % overlay)
                if not API_OVERLAY:
                    if not allowed:
                        problems.append("policy: guards.allowed_namespaces is empty: every shadow decision would be held back by the namespace guard, leaving audit report no evidence")
                    # The shadow evidence must be for the shipped rules and guards: the base policy with namespaces listed.
                    base_policy = yaml.safe_load(open(base_policy_path, encoding="utf-8"))
                    if (base_policy.get("guards") or {}).get("allowed_namespaces") != []:
                        problems.append("deploy/base/policy.yaml: the shipped default must allow no namespace (guards.allowed_namespaces: [])")
                    def without_namespaces(p):
                        p = dict(p)
                        p["guards"] = {k: v for k, v in (p.get("guards") or {}).items() if k != "allowed_namespaces"}
                        return p
                    mine, theirs = without_namespaces(policy), without_namespaces(base_policy)
                    for key in sorted(set(mine) | set(theirs)):
                        if mine.get(key) != theirs.get(key):
                            problems.append("policy: %s differs from deploy/base/policy.yaml's (shadow's policy is the base's with namespaces listed; guards stay on)" % key)
                if overlay == "dry-run" and "enforce" in effective:
                    problems.append("policy: the dry-run overlay enforces something: modes %s" % modes)
                if overlay == "enforce" and "enforce" not in effective:
                    problems.append("policy: the enforce overlay enforces no action kind")
            except Exception as ex:  # a YAML error, or a policy that is not a mapping
                problems.append("policy: unreadable: %s" % ex)
        # Kubernetes and leader election configuration from the environment.
        env = {e.get("name"): e for e in c.get("env") or []}
        def value(n):
            return (env.get(n) or {}).get("value")
        def field(n):
            return (((env.get(n) or {}).get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
        # The probes and the Service reach the port named metrics: it must be the port the run serves (Telemetry:Port).
        telemetry_port = str(value("FINSCALE_Telemetry__Port") or "9464")
        metrics_ports = [str(p.get("containerPort")) for p in c.get("ports") or [] if p.get("name") == "metrics"]
        if metrics_ports != [telemetry_port]:
            problems.append(where + ": the container port named metrics is %s, Telemetry:Port is %s" % (metrics_ports, telemetry_port))
        k = "FINSCALE_Kubernetes__"
        if API_OVERLAY:
            for n in ("Enabled", "InCluster", "LeaderElection__Enabled"):
                if str(value(k + n)).lower() != "true":
                    problems.append(where + ": %s%s must be \"true\"" % (k, n))
            if field(k + "LeaderElection__LeaseNamespace") != "metadata.namespace":
                problems.append(where + ": the Lease namespace must come from the pod's (fieldRef metadata.namespace)")
            if field(k + "LeaderElection__Identity") != "metadata.name":
                problems.append(where + ": the leader identity must be the pod name (fieldRef metadata.name)")
            # The cluster view's namespaces (Kubernetes:ClusterView:Namespaces:N); none: every namespace.
            view_namespaces = {str(value(n)) for n in env if n and n.startswith(k + "ClusterView__Namespaces__")}
        else:
            for n in sorted(n for n in env if n and n.startswith(k)):
                problems.append(where + ": shadow contacts no Kubernetes API (Kubernetes:Enabled stays unset), but sets %s" % n)

rbac = of_kind(*RBAC_KINDS)
if not API_OVERLAY:
    for d in rbac:
        problems.append("%s/%s: the shadow overlay contacts no Kubernetes API and renders no RBAC" % (d["kind"], d["metadata"]["name"]))
else:
    # Roles: exactly deploy/rbac/rbac.yaml's, rule for rule (RbacTests checks that file against the code).
    source_rbac = [d for d in yaml.safe_load_all(open(os.path.join(repo, "deploy/rbac/rbac.yaml"), encoding="utf-8")) if d]
    want = {(d["kind"], d["metadata"]["name"]): d.get("rules") for d in source_rbac if d["kind"] in ("Role", "ClusterRole")}
    got = {(d["kind"], d["metadata"]["name"]): d.get("rules") for d in of_kind("Role", "ClusterRole")}
    if set(got) != set(want):
        problems.append("RBAC: rendered roles %s, deploy/rbac/rbac.yaml has %s" % (sorted(got), sorted(want)))
    for key in set(got) & set(want):
        if got[key] != want[key]:
            problems.append("RBAC: %s/%s rules differ from deploy/rbac/rbac.yaml" % key)
    accounts = {(d["metadata"]["name"], d["metadata"].get("namespace")) for d in of_kind("ServiceAccount")}
    if ("finscale", namespace) not in accounts:
        problems.append("RBAC: no ServiceAccount finscale in namespace %s" % namespace)
    bound = set()
    for b in of_kind("RoleBinding", "ClusterRoleBinding"):
        where = "%s/%s" % (b["kind"], b["metadata"]["name"])
        ref = b.get("roleRef") or {}
        bound.add((ref.get("kind"), ref.get("name")))
        if (ref.get("kind"), ref.get("name")) not in got:
            problems.append("%s: roleRef %s/%s is not rendered" % (where, ref.get("kind"), ref.get("name")))
        subjects = [(s.get("kind"), s.get("name"), s.get("namespace")) for s in b.get("subjects") or []]
        if subjects != [("ServiceAccount", "finscale", namespace)]:
            problems.append("%s: subjects must be the finscale ServiceAccount in %s, are %s" % (where, namespace, subjects))
    for key in set(got) - bound:
        problems.append("RBAC: %s/%s is bound to nothing" % key)
    # Least privilege by namespace: the cluster view's namespaced lists and the executor's writes are bound by one
    # RoleBinding each per namespace the policy allows (guards.allowed_namespaces), never cluster-wide, so the allow-list
    # and RBAC cannot drift apart.
    for role in NAMESPACE_ROLES:
        for b in of_kind("ClusterRoleBinding"):
            if ((b.get("roleRef") or {}).get("kind"), (b.get("roleRef") or {}).get("name")) == role:
                problems.append("ClusterRoleBinding/%s binds %s/%s cluster-wide: bind it per allowed namespace with a RoleBinding" % ((b["metadata"]["name"],) + role))
        bound_in = [str(b["metadata"].get("namespace")) for b in of_kind("RoleBinding")
                    if ((b.get("roleRef") or {}).get("kind"), (b.get("roleRef") or {}).get("name")) == role]
        if len(bound_in) != len(set(bound_in)):
            problems.append("RBAC: more than one RoleBinding to %s/%s in a namespace: %s" % (role + (sorted(bound_in),)))
        if "policy_namespaces" in globals() and set(bound_in) != policy_namespaces:
            problems.append("RBAC: RoleBindings to %s/%s in %s, the policy's guards.allowed_namespaces is %s: every allowed namespace needs one (namespace-rolebindings.yaml) and every one an allowed namespace"
                            % (role + (sorted(bound_in), sorted(policy_namespaces))))
        if namespace in bound_in:
            problems.append("RBAC: a RoleBinding to %s/%s in finscale's own namespace %s: finscale would act on itself" % (role + (namespace,)))
    # The cluster view may list only where finscale-namespace-view is bound: Kubernetes:ClusterView:Namespaces must be
    # the allowed namespaces (unset, it lists across all namespaces, which RBAC does not grant, and decisions see nothing).
    if "view_namespaces" in globals() and "policy_namespaces" in globals() and view_namespaces != policy_namespaces:
        problems.append("Kubernetes:ClusterView:Namespaces %s must be the policy's guards.allowed_namespaces %s (RBAC grants the view's lists only there)"
                        % (sorted(view_namespaces) or "unset (every namespace)", sorted(policy_namespaces)))

print("%s rendered: %s" % (label, ", ".join(kinds)), file=sys.stderr)
for p in problems:
    print("deploy/overlays/%s: %s" % (label, p), file=sys.stderr)
sys.exit(1 if problems else 0)
PYEOF
}

# deploy/overlays/shadow-secured-kafka (shadow against SASL_SSL Kafka): librdkafka's settings as Kafka:Properties env,
# credentials only from the Secret finscale-kafka, whose every referenced key secret.example.yaml lists; ssl.ca.location
# is a file of a read-only Secret mount; KEDA's kafka trigger authenticates through a TriggerAuthentication with the
# kafka scaler's parameters from the same Secret, agreeing with the mechanism and TLS finscale uses. The plain shadow
# overlay stays plaintext (no Kafka:Properties, no TriggerAuthentication).
check_secured_kafka() {
  "$PYTHON" - "$REPO" "$WORK/shadow-secured-kafka.yaml" "$WORK/shadow.yaml" <<'PYEOF'
import os, sys, yaml
repo, rendered, shadow = sys.argv[1:4]
where = "deploy/overlays/shadow-secured-kafka"
problems = []
docs = [d for d in yaml.safe_load_all(open(rendered, encoding="utf-8")) if isinstance(d, dict)]
example_path = os.path.join(repo, where, "secret.example.yaml")
example = yaml.safe_load(open(example_path, encoding="utf-8")) or {}
if example.get("apiVersion") != "v1" or example.get("kind") != "Secret" or not (example.get("metadata") or {}).get("name"):
    problems.append("secret.example.yaml: not a v1 Secret with a metadata.name")
secret_name = (example.get("metadata") or {}).get("name")
example_keys = set((example.get("stringData") or {})) | set((example.get("data") or {}))
values = dict(example.get("stringData") or {})
for d in docs:
    if d.get("kind") == "Secret":
        problems.append("renders Secret/%s: credentials are yours to create, never applied from the repository" % d["metadata"].get("name"))
def referenced(name, key, what):
    if name != secret_name or key not in example_keys:
        problems.append("%s refers to Secret %s key %s, which secret.example.yaml (Secret %s: %s) does not list" % (what, name, key, secret_name, sorted(example_keys)))

deployments = [d for d in docs if d.get("kind") == "Deployment"]
ca_sources = set()   # (secret, key) behind finscale's ssl.ca.location: KEDA's ca must be the same certificate
for d in deployments:
    pod = d["spec"]["template"]["spec"]
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    secret_files = {}   # path in the container -> (secret, key)
    for c in pod.get("containers") or []:
        env = {e.get("name"): e for e in c.get("env") or []}
        for e in env.values():
            ref = (e.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                referenced(ref.get("name"), ref.get("key"), "env %s" % e.get("name"))
        for m in c.get("volumeMounts") or []:
            sec = (volumes.get(m.get("name")) or {}).get("secret")
            if sec is None:
                continue
            if m.get("readOnly") is not True:
                problems.append("the Secret volume %s is mounted writable at %s" % (m.get("name"), m.get("mountPath")))
            items = sec.get("items")
            if not items:
                problems.append("the Secret volume %s projects every key of %s as a file: list the CA only (items)" % (m.get("name"), sec.get("secretName")))
            for item in items or []:
                referenced(sec.get("secretName"), item.get("key"), "volume %s" % m.get("name"))
                secret_files[m.get("mountPath").rstrip("/") + "/" + item.get("path")] = (sec.get("secretName"), item.get("key"))
        k = "FINSCALE_Kafka__Properties__"
        def plain(n):
            return (env.get(k + n) or {}).get("value")
        protocol, mechanism = plain("security.protocol"), plain("sasl.mechanism")
        if protocol not in ("SASL_SSL", "SSL"):
            problems.append("%ssecurity.protocol is %r, not SASL_SSL (or SSL)" % (k, protocol))
        for n in ("sasl.username", "sasl.password"):
            e = env.get(k + n) or {}
            if "value" in e or not (e.get("valueFrom") or {}).get("secretKeyRef"):
                problems.append("%s%s must come from a secretKeyRef, never a literal value" % (k, n))
        ca = plain("ssl.ca.location")
        if ca not in secret_files:
            problems.append("%sssl.ca.location %r is not a file of a read-only Secret mount %s" % (k, ca, sorted(secret_files)))
        else:
            ca_sources.add(secret_files[ca])
        # KEDA reads the same Secret: its SASL type and TLS must be the ones finscale uses.
        keda_sasl = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}.get(mechanism)
        if protocol == "SASL_SSL" and keda_sasl is None:
            problems.append("%ssasl.mechanism %r is not one KEDA's kafka scaler speaks (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)" % (k, mechanism))
        if keda_sasl and values.get("sasl") != keda_sasl:
            problems.append("secret.example.yaml's sasl is %r; KEDA's name for %s is %r" % (values.get("sasl"), mechanism, keda_sasl))
        if protocol in ("SASL_SSL", "SSL") and values.get("tls") != "enable":
            problems.append("secret.example.yaml's tls is %r: KEDA must use TLS (enable) as finscale does" % values.get("tls"))

auths = {d["metadata"]["name"]: d for d in docs if d.get("kind") == "TriggerAuthentication"}
KEDA_KAFKA_AUTH = {"sasl", "username", "password", "tls", "ca", "cert", "key"}
for name, a in auths.items():
    params = {}
    for ref in (a.get("spec") or {}).get("secretTargetRef") or []:
        params[ref.get("parameter")] = ref
        referenced(ref.get("name"), ref.get("key"), "TriggerAuthentication/%s parameter %s" % (name, ref.get("parameter")))
    unknown = set(params) - KEDA_KAFKA_AUTH
    if unknown:
        problems.append("TriggerAuthentication/%s: %s are not kafka scaler authentication parameters %s" % (name, sorted(unknown), sorted(KEDA_KAFKA_AUTH)))
    missing = {"sasl", "username", "password", "tls", "ca"} - set(params)
    if missing:
        problems.append("TriggerAuthentication/%s: no %s" % (name, sorted(missing)))
    ca_ref = params.get("ca") or {}
    if ca_sources and (ca_ref.get("name"), ca_ref.get("key")) not in ca_sources:
        problems.append("TriggerAuthentication/%s: ca is Secret %s key %s, finscale's ssl.ca.location is %s" % (name, ca_ref.get("name"), ca_ref.get("key"), sorted(ca_sources)))
scaled = [d for d in docs if d.get("kind") == "ScaledObject"]
if not scaled:
    problems.append("renders no ScaledObject")
for so in scaled:
    for t in (so.get("spec") or {}).get("triggers") or []:
        if t.get("type") != "kafka":
            continue
        ref = (t.get("authenticationRef") or {}).get("name")
        if ref not in auths:
            problems.append("ScaledObject/%s: the kafka trigger's authenticationRef %r is not a rendered TriggerAuthentication %s" % (so["metadata"]["name"], ref, sorted(auths)))

# The default shadow overlay stays plaintext: no Kafka:Properties, no Secret reference, no TriggerAuthentication.
for d in (d for d in yaml.safe_load_all(open(shadow, encoding="utf-8")) if isinstance(d, dict)):
    if d.get("kind") == "TriggerAuthentication":
        problems.append("deploy/overlays/shadow renders TriggerAuthentication/%s: the default overlay is plaintext" % d["metadata"].get("name"))
    if d.get("kind") == "Deployment":
        for c in d["spec"]["template"]["spec"].get("containers") or []:
            for e in c.get("env") or []:
                if str(e.get("name")).startswith("FINSCALE_Kafka__Properties__") or (e.get("valueFrom") or {}).get("secretKeyRef"):
                    problems.append("deploy/overlays/shadow sets %s: the default overlay is plaintext and needs no Secret" % e.get("name"))
for p in problems:
    print(where + ": " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PYEOF
}

# The CLI that .ci/run's `dotnet test FinScale.Streaming.sln` has already built (no build here: CI's time
# budget), or FINSCALE_DLL: the newest build that has `policy validate` (a stale local build may predate it).
# Empty when there is none.
FINSCALE_CLI=""
find_finscale_cli() {
  [[ -n "$FINSCALE_CLI" ]] && return 0
  command -v dotnet >/dev/null 2>&1 || return 1
  local candidate
  while IFS= read -r candidate; do
    # `--help` exits 0 even where the command is unknown; `policy default` fails there.
    if dotnet "$candidate" policy default >/dev/null 2>&1; then
      FINSCALE_CLI="$candidate"
      return 0
    fi
  done < <(ls -t -- ${FINSCALE_DLL:+"$FINSCALE_DLL"} "$REPO/src/FinScale.Host/bin/Debug/net10.0/finscale.dll" \
             "$REPO/artifacts/bin/FinScale.Host/debug/finscale.dll" 2>/dev/null)
  return 1
}

check_policy_with_cli() {
  dotnet "$FINSCALE_CLI" policy validate "$WORK/$1.policy.yaml" >&2
}

# ------------------------------------------------------------------------------------------
# Run
# ------------------------------------------------------------------------------------------
cd "$REPO"

if ensure_python_yaml; then pass "python3 with PyYAML ($PYTHON)"; else fail "python3-yaml unavailable"; fi

# The command line the checks hold commands against: the built CLI's own, else the copy in .ci/finscale-cli.json.
CLI_TABLE_DIR="$(mktemp -d)"
if [[ -n "$PYTHON" ]] && find_finscale_cli; then
  if cli_table_from_help "$CLI_TABLE_DIR/cli.json"; then
    export FINSCALE_CLI_TABLE="$CLI_TABLE_DIR/cli.json"
    pass "finscale command tree from ${FINSCALE_CLI#"$REPO/"} --help"
  else
    fail "finscale command tree from ${FINSCALE_CLI#"$REPO/"} --help"
  fi
else
  log "no built CLI (build src/FinScale.Host or set FINSCALE_DLL): commands are checked against .ci/finscale-cli.json"
fi

if [[ -n "$PYTHON" ]]; then
  if check_dockerfile; then pass "Dockerfile static checks"; else fail "Dockerfile static checks"; fi
fi
if check_dockerignore; then pass ".dockerignore excludes bin/ obj/ .git"; else fail ".dockerignore"; fi

if ensure_docker_compose; then
  pass "docker-compose available ($(docker-compose version --short 2>/dev/null || echo '?'))"
  if check_compose_config; then
    pass "docker-compose config -q"
    if [[ -n "$PYTHON" ]]; then
      if check_compose_commands; then pass "compose commands are finscale commands"; else fail "compose commands"; fi
      COMPOSE_POLICY="$(mktemp)"
      if check_compose_replay "$COMPOSE_POLICY"; then pass "compose replay: broker keeps event-time records, run's policy allows the workloads' namespaces"; else fail "compose replay evidence"; fi
      if [[ -s "$COMPOSE_POLICY" ]] && find_finscale_cli; then
        if dotnet "$FINSCALE_CLI" policy validate "$(cat "$COMPOSE_POLICY")" >&2; then pass "finscale policy validate (docker-compose run's policy)"; else fail "finscale policy validate (docker-compose run's policy)"; fi
      fi
      rm -f "$COMPOSE_POLICY"
      if check_collector_config; then pass "otel-collector: pinned, config read-only, OTLP -> kafka exporter to finscale's topics, loadgen sends to it"; else fail "otel-collector config"; fi
    fi
  else
    fail "docker-compose config -q"
  fi
else
  fail "docker-compose unavailable"
fi

if [[ -n "$PYTHON" ]]; then
  if check_examples; then pass "deploy/examples: objects named, KEDA external triggers aimed at the finscale Service"; else fail "deploy/examples"; fi
fi

if ensure_kubectl; then
  pass "kubectl ($("$KUBECTL" version --client --short 2>/dev/null || "$KUBECTL" version --client 2>/dev/null | head -n 1), ${KUBECTL#"$REPO/"})"
  WORK="$(mktemp -d)"
  if find_finscale_cli; then
    log "finscale policy validate with ${FINSCALE_CLI#"$REPO/"}"
  else
    log "skip finscale policy validate: no built CLI that has it (build src/FinScale.Host or set FINSCALE_DLL); structural policy checks only"
  fi
  for overlay in "${OVERLAYS[@]}"; do
    if render_overlay "$overlay"; then
      pass "kubectl kustomize deploy/overlays/$overlay"
      if [[ -n "$PYTHON" ]]; then
        if check_rendered_objects "$overlay"; then
          pass "deploy/overlays/$overlay rendered objects (hardening, policy ConfigMap, $([[ $(base_overlay "$overlay") == shadow ]] && echo 'no RBAC, --mode shadow' || echo 'RBAC = deploy/rbac, view/executor RoleBindings = allowed namespaces = cluster view, subjects, leader election'))"
        else
          fail "deploy/overlays/$overlay rendered objects"
        fi
        if [[ $overlay == shadow-secured-kafka ]]; then
          if check_secured_kafka; then
            pass "deploy/overlays/shadow-secured-kafka: SASL/TLS from the Secret (keys in secret.example.yaml), CA mounted read-only, KEDA TriggerAuthentication; shadow stays plaintext"
          else
            fail "deploy/overlays/shadow-secured-kafka secured Kafka"
          fi
        fi
        if [[ -n "$FINSCALE_CLI" && -s "$WORK/$overlay.policy.yaml" ]]; then
          if check_policy_with_cli "$overlay"; then pass "finscale policy validate (deploy/overlays/$overlay ConfigMap)"; else fail "finscale policy validate (deploy/overlays/$overlay ConfigMap)"; fi
        fi
      fi
    else
      fail "kubectl kustomize deploy/overlays/$overlay"
    fi
  done
  rm -rf "$WORK"
else
  fail "kubectl (kubernetes-client) unavailable"
fi

rm -rf "$CLI_TABLE_DIR"
ELAPSED=$((SECONDS - START))
if [[ ${#FAILURES[@]} -eq 0 ]]; then
  echo "validate-deploy: OK: ${PASSED} checks passed in ${ELAPSED}s"
else
  echo "validate-deploy: FAILED: ${#FAILURES[@]} failed (${FAILURES[*]}), ${PASSED} passed in ${ELAPSED}s"
  exit 1
fi
