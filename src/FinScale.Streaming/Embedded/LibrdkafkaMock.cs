using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace FinScale.Streaming.Embedded;

/// <summary>Function pointers into the native librdkafka that Confluent.Kafka itself loaded, for the mock-cluster API.</summary>
/// <remarks>
/// Confluent.Kafka does not expose the mock-cluster API (rdkafka_mock.h), so we call it ourselves.
/// We must call into the very same shared object the managed client uses: the redist ships several
/// variants (librdkafka.so, centos8-librdkafka.so, alpine-librdkafka.so) and Confluent.Kafka picks one
/// at run time by probing. A plain [DllImport("librdkafka")] would let the runtime pick on its own and
/// can resolve to a different file (on Debian 12 the default librdkafka.so even fails to load, because it
/// needs libsasl2.so.3), leaving us with a second copy of librdkafka or none at all. So we let
/// Confluent.Kafka load its choice first and then look the loaded file up in /proc/self/maps.
/// </remarks>
internal static unsafe class LibrdkafkaMock
{
    /// <summary>rd_kafka_type_t RD_KAFKA_PRODUCER.</summary>
    internal const int ProducerType = 0;

    /// <summary>rd_kafka_conf_res_t RD_KAFKA_CONF_OK.</summary>
    internal const int ConfOk = 0;

    /// <summary>rd_kafka_resp_err_t RD_KAFKA_RESP_ERR_NO_ERROR.</summary>
    internal const int NoError = 0;

    private const int ErrStrSize = 512;

    private static readonly Lazy<Api> Instance = new(Bind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Gets the bound native API, loading and binding it on first use.</summary>
    internal static Api Native => Instance.Value;

    /// <summary>Creates an rd_kafka_t producer handle with the given properties; throws on failure.</summary>
    internal static IntPtr NewProducer(IReadOnlyList<KeyValuePair<string, string>> config)
    {
        var api = Native;
        var conf = api.ConfNew();
        if (conf == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_conf_new returned NULL.");
        }

        var errstr = stackalloc byte[ErrStrSize];
        foreach (var (name, value) in config)
        {
            int res;
            fixed (byte* n = Utf8Z(name))
            fixed (byte* v = Utf8Z(value))
            {
                res = api.ConfSet(conf, n, v, errstr, ErrStrSize);
            }

            if (res != ConfOk)
            {
                api.ConfDestroy(conf);
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"librdkafka rejected config '{name}={value}': {ReadUtf8(errstr)}"));
            }
        }

        var rk = api.New(ProducerType, conf, errstr, ErrStrSize);
        if (rk == IntPtr.Zero)
        {
            // rd_kafka_new takes ownership of conf only on success.
            api.ConfDestroy(conf);
            throw new InvalidOperationException("rd_kafka_new failed: " + ReadUtf8(errstr));
        }

        return rk;
    }

    /// <summary>Returns librdkafka's text for an rd_kafka_resp_err_t code.</summary>
    internal static string ErrorText(int err) =>
        string.Create(CultureInfo.InvariantCulture, $"{ReadUtf8(Native.Err2Str(err))} (error {err})");

    /// <summary>Returns a NUL-terminated UTF-8 copy of <paramref name="s"/>.</summary>
    internal static byte[] Utf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
        return bytes;
    }

    /// <summary>Reads a NUL-terminated UTF-8 C string; NULL reads as empty.</summary>
    internal static string ReadUtf8(byte* p) => p == null ? string.Empty : Marshal.PtrToStringUTF8((IntPtr)p) ?? string.Empty;

    private static Api Bind()
    {
        var handle = LoadLibrdkafka();
        return new Api(
            (delegate* unmanaged[Cdecl]<IntPtr>)Export(handle, "rd_kafka_conf_new"),
            (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, byte*, nuint, int>)Export(handle, "rd_kafka_conf_set"),
            (delegate* unmanaged[Cdecl]<IntPtr, void>)Export(handle, "rd_kafka_conf_destroy"),
            (delegate* unmanaged[Cdecl]<int, IntPtr, byte*, nuint, IntPtr>)Export(handle, "rd_kafka_new"),
            (delegate* unmanaged[Cdecl]<IntPtr, void>)Export(handle, "rd_kafka_destroy"),
            (delegate* unmanaged[Cdecl]<int, byte*>)Export(handle, "rd_kafka_err2str"),
            (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Export(handle, "rd_kafka_mock_cluster_new"),
            (delegate* unmanaged[Cdecl]<IntPtr, void>)Export(handle, "rd_kafka_mock_cluster_destroy"),
            (delegate* unmanaged[Cdecl]<IntPtr, byte*>)Export(handle, "rd_kafka_mock_cluster_bootstraps"),
            (delegate* unmanaged[Cdecl]<IntPtr, byte*, int, int, int>)Export(handle, "rd_kafka_mock_topic_create"),
            // void in librdkafka 2.16's rdkafka_mock.h (some docs show it returning an error code).
            (delegate* unmanaged[Cdecl]<IntPtr, int, void>)Export(handle, "rd_kafka_mock_set_controller_id"),
            (delegate* unmanaged[Cdecl]<IntPtr, int, int>)Export(handle, "rd_kafka_mock_broker_set_down"),
            (delegate* unmanaged[Cdecl]<IntPtr, int, int>)Export(handle, "rd_kafka_mock_broker_set_up"),
            // Optional: older builds lack it, and the cluster works without it (joins are just slower).
            NativeLibrary.TryGetExport(handle, "rd_kafka_mock_group_initial_rebalance_delay_ms", out var delay)
                ? (delegate* unmanaged[Cdecl]<IntPtr, int, void>)delay
                : null);
    }

    private static IntPtr Export(IntPtr handle, string name)
    {
        if (!NativeLibrary.TryGetExport(handle, name, out var address))
        {
            throw new PlatformNotSupportedException(
                $"The loaded librdkafka does not export '{name}'; the mock-cluster API is unavailable in this build.");
        }

        return address;
    }

    private static IntPtr LoadLibrdkafka()
    {
        // Make Confluent.Kafka load its own pick of the native library (idempotent; no-op once loaded).
        Confluent.Kafka.Library.Load();

        if (OperatingSystem.IsLinux())
        {
            var path = FindMappedLibrdkafka()
                ?? throw new PlatformNotSupportedException(
                    "Confluent.Kafka reported librdkafka as loaded, but no librdkafka*.so is mapped in /proc/self/maps.");

            // dlopen of an already-mapped file returns the existing instance (refcount +1), not a second copy.
            return NativeLibrary.Load(path);
        }

        if (OperatingSystem.IsWindows() || OperatingSystem.IsMacOS())
        {
            // No /proc here; the redist ships a single variant per RID, so the runtime's probing finds the same file.
            if (NativeLibrary.TryLoad("librdkafka", typeof(Confluent.Kafka.Library).Assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory, out var handle)
                || NativeLibrary.TryLoad("librdkafka", out handle))
            {
                return handle;
            }

            throw new PlatformNotSupportedException("Could not load librdkafka for the embedded Kafka mock cluster.");
        }

        throw new PlatformNotSupportedException(
            $"The embedded Kafka mock cluster is supported on Linux, Windows and macOS only, not on {RuntimeInformation.OSDescription}.");
    }

    private static string? FindMappedLibrdkafka()
    {
        // Lines look like: "7f..-7f.. r-xp 00000000 08:01 123 /root/.nuget/.../native/centos8-librdkafka.so".
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..];
            if (path.EndsWith("librdkafka.so", StringComparison.Ordinal) && File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>The bound native entry points.</summary>
    [StructLayout(LayoutKind.Auto)]
    internal readonly struct Api
    {
        internal readonly delegate* unmanaged[Cdecl]<IntPtr> ConfNew;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, byte*, nuint, int> ConfSet;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, void> ConfDestroy;
        internal readonly delegate* unmanaged[Cdecl]<int, IntPtr, byte*, nuint, IntPtr> New;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, void> Destroy;
        internal readonly delegate* unmanaged[Cdecl]<int, byte*> Err2Str;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> MockClusterNew;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, void> MockClusterDestroy;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, byte*> MockClusterBootstraps;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, int, int, int> MockTopicCreate;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, int, void> MockSetControllerId;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, int, int> MockBrokerSetDown;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, int, int> MockBrokerSetUp;
        internal readonly delegate* unmanaged[Cdecl]<IntPtr, int, void> MockGroupInitialRebalanceDelayMs;

        internal Api(
            delegate* unmanaged[Cdecl]<IntPtr> confNew,
            delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, byte*, nuint, int> confSet,
            delegate* unmanaged[Cdecl]<IntPtr, void> confDestroy,
            delegate* unmanaged[Cdecl]<int, IntPtr, byte*, nuint, IntPtr> @new,
            delegate* unmanaged[Cdecl]<IntPtr, void> destroy,
            delegate* unmanaged[Cdecl]<int, byte*> err2Str,
            delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> mockClusterNew,
            delegate* unmanaged[Cdecl]<IntPtr, void> mockClusterDestroy,
            delegate* unmanaged[Cdecl]<IntPtr, byte*> mockClusterBootstraps,
            delegate* unmanaged[Cdecl]<IntPtr, byte*, int, int, int> mockTopicCreate,
            delegate* unmanaged[Cdecl]<IntPtr, int, void> mockSetControllerId,
            delegate* unmanaged[Cdecl]<IntPtr, int, int> mockBrokerSetDown,
            delegate* unmanaged[Cdecl]<IntPtr, int, int> mockBrokerSetUp,
            delegate* unmanaged[Cdecl]<IntPtr, int, void> mockGroupInitialRebalanceDelayMs)
        {
            ConfNew = confNew;
            ConfSet = confSet;
            ConfDestroy = confDestroy;
            New = @new;
            Destroy = destroy;
            Err2Str = err2Str;
            MockClusterNew = mockClusterNew;
            MockClusterDestroy = mockClusterDestroy;
            MockClusterBootstraps = mockClusterBootstraps;
            MockTopicCreate = mockTopicCreate;
            MockSetControllerId = mockSetControllerId;
            MockBrokerSetDown = mockBrokerSetDown;
            MockBrokerSetUp = mockBrokerSetUp;
            MockGroupInitialRebalanceDelayMs = mockGroupInitialRebalanceDelayMs;
        }
    }
}
