# FinScale.Streaming: the `finscale` CLI in a container.
#
#   docker build -t finscale:latest .
#   docker run --rm --read-only --tmpfs /tmp finscale:latest demo
#   docker run --rm --read-only --tmpfs /tmp -e FINSCALE_Kafka__BootstrapServers=kafka:9092 finscale:latest run --mode shadow
#
# Base OS: the plain `10.0` tags of the .NET images are Ubuntu 24.04 "noble" (Microsoft ships no
# Debian images for .NET 10); `10.0-noble` below names the same images explicitly. Any glibc
# image works for Confluent.Kafka's native librdkafka: it probes librdkafka.so first (which needs
# libsasl2.so.3, absent here) and then loads centos8-librdkafka.so (needs only glibc).
# Do not switch to -alpine or -chiseled without re-checking that librdkafka loads
# (`docker run --rm finscale:latest demo` must exit 0).

ARG DOTNET_VERSION=10.0-noble

# ---------------------------------------------------------------------------------------------
# Build stage
# ---------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_NOLOGO=1 \
    DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORKDIR /src

# 1. Restore from the project files alone, so this layer is reused until a package or
#    project reference changes. A new project under src/ must be added here.
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt ./
COPY src/FinScale.Contracts/FinScale.Contracts.csproj     src/FinScale.Contracts/
COPY src/FinScale.Baselining/FinScale.Baselining.csproj   src/FinScale.Baselining/
COPY src/FinScale.Detection/FinScale.Detection.csproj     src/FinScale.Detection/
COPY src/FinScale.Detection.Multivariate/FinScale.Detection.Multivariate.csproj src/FinScale.Detection.Multivariate/
COPY src/FinScale.Remediation/FinScale.Remediation.csproj src/FinScale.Remediation/
COPY src/FinScale.Forecasting/FinScale.Forecasting.csproj src/FinScale.Forecasting/
COPY src/FinScale.Kubernetes/FinScale.Kubernetes.csproj   src/FinScale.Kubernetes/
COPY src/FinScale.Streaming/FinScale.Streaming.csproj     src/FinScale.Streaming/
COPY src/FinScale.Telemetry.Kafka/FinScale.Telemetry.Kafka.csproj src/FinScale.Telemetry.Kafka/
COPY src/FinScale.Testing.Kubernetes/FinScale.Testing.Kubernetes.csproj src/FinScale.Testing.Kubernetes/
COPY src/FinScale.Host/FinScale.Host.csproj               src/FinScale.Host/
# Restored for one Linux RID, the image's architecture (the publish below is RID-specific): BuildKit sets TARGETARCH
# (amd64, or arm64 with `docker buildx build --platform linux/arm64`); the classic builder leaves it empty: amd64.
# librdkafka.redist has a glibc-only build for both (linux-x64's centos8-librdkafka.so, linux-arm64's librdkafka.so).
ARG TARGETARCH
RUN case "${TARGETARCH:-amd64}" in \
      amd64) echo linux-x64 ;; \
      arm64) echo linux-arm64 ;; \
      *) echo "TARGETARCH '${TARGETARCH}': build for linux/amd64 or linux/arm64" >&2; exit 1 ;; \
    esac > /tmp/rid \
 && dotnet restore src/FinScale.Host/FinScale.Host.csproj -r "$(cat /tmp/rid)"

# 2. Sources, the Avro schemas (embedded resources of FinScale.Streaming) and the sample
#    incident (copied next to the binary under samples/ for `finscale demo` and replay).
COPY schemas/ schemas/
COPY deploy/base/policy.yaml deploy/base/
COPY samples/ samples/
COPY src/ src/

# Framework-dependent (the runtime image has .NET) for that RID alone: only its librdkafka builds are copied, flat
# into /app (for linux-x64 librdkafka.so, centos8-librdkafka.so and alpine-librdkafka.so, 36 MB), instead of
# runtimes/*/native for seven platforms (104 MB). No apphost: the entrypoint is `dotnet /app/finscale.dll`.
RUN dotnet publish src/FinScale.Host/FinScale.Host.csproj -c Release -r "$(cat /tmp/rid)" --self-contained false \
      -p:UseAppHost=false -o /app --no-restore \
 && test -f /app/finscale.dll \
 && test -f /app/librdkafka.so \
 && test ! -e /app/runtimes \
 && test -f /app/appsettings.json \
 && test -d /app/samples/incident-pod-latency \
 && test -f /app/samples/demo-policy.yaml

# ---------------------------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS runtime

LABEL org.opencontainers.image.title="finscale" \
      org.opencontainers.image.description="FinScale.Streaming: anomaly detection and remediation decisions on Kafka telemetry"

# Read-only root filesystem: the app writes nothing to disk, and the runtime writes only to
# TMPDIR. EnableDiagnostics=0 turns off the diagnostics IPC socket (and debugger/profiler
# attach) that the runtime would otherwise create in /tmp; to use dotnet-trace/dotnet-counters,
# run with DOTNET_EnableDiagnostics=1 and a writable /tmp (tmpfs or emptyDir).
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    TMPDIR=/tmp

WORKDIR /app
# Owned by root and not writable by the app user.
COPY --from=build /app /app

# The non-root `app` user the .NET images define (APP_UID=1654). Numeric so that Kubernetes
# runAsNonRoot can verify it.
USER $APP_UID

# `finscale run` serves /healthz on Telemetry:Port (9464 unless configured): ask it. `finscale health` reads
# Telemetry:Port from the same appsettings.json and FINSCALE_Telemetry__Port the run reads, so moving the port needs
# no change here (a port set only in a run's --config file does: pass the file to health too). Other commands (replay,
# audit, one-off runs) serve nothing, so for them the check is that the process is there. Kubernetes ignores
# HEALTHCHECK and uses the Deployment's httpGet probes on the same endpoints (the container port named metrics).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/bin/sh", "-c", "if tr '\\0' ' ' </proc/1/cmdline | grep -q ' run'; then exec dotnet /app/finscale.dll health; else grep -qa finscale /proc/1/cmdline; fi"]

ENTRYPOINT ["dotnet", "/app/finscale.dll"]
CMD ["run"]
