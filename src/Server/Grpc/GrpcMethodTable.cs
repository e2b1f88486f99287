namespace Server.Grpc;

/// <summary>A gRPC service: adds its methods to the table.</summary>
public interface IGrpcService
{
    void AddMethods(GrpcMethodTable methods);
}

/// <summary>The served methods by path ("/align.v1.GenerationService/Generate").</summary>
public sealed class GrpcMethodTable
{
    private readonly Dictionary<string, Func<GrpcCall, Task>> _methods = new(StringComparer.Ordinal);

    public GrpcMethodTable(IEnumerable<IGrpcService> services)
    {
        foreach (IGrpcService service in services) service.AddMethods(this);
    }

    public void Add(string service, string method, Func<GrpcCall, Task> handler) => _methods.Add($"/{service}/{method}", handler);

    public Func<GrpcCall, Task>? Find(string path) => _methods.GetValueOrDefault(path);
}
