using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using Confluent.SchemaRegistry;

namespace FinScale.Streaming.Tests.Avro;

/// <summary>
/// An in-memory Schema Registry answering only what <c>AvroSerde</c> calls (register, get by id);
/// every other member of the large client interface throws.
/// </summary>
public class FakeSchemaRegistry : DispatchProxy
{
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, Schema> _schemas = new();
    private int _nextId = 100;

    public static ISchemaRegistryClient Create() => Create<ISchemaRegistryClient, FakeSchemaRegistry>();

    public static int IdOf(ISchemaRegistryClient registry, string subject) => ((FakeSchemaRegistry)(object)registry)._ids[subject];

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => (targetMethod?.Name, args) switch
    {
        ("RegisterSchemaAsync", [string subject, Schema schema, ..]) => Task.FromResult(Register(subject, schema)),
        ("GetSchemaAsync", [int id, ..]) => _schemas.TryGetValue(id, out var s)
            ? Task.FromResult(s)
            : Task.FromException<Schema>(new SchemaRegistryException($"Schema {id} not found", HttpStatusCode.NotFound, 40403)),
        ("Dispose", _) => null,
        _ => throw new NotSupportedException($"fake registry does not implement {targetMethod?.Name}"),
    };

    private int Register(string subject, Schema schema)
    {
        var id = _ids.GetOrAdd(subject, _ => Interlocked.Increment(ref _nextId));
        _schemas[id] = schema;
        return id;
    }
}
