using Align.V1;
using Server.Adapters;
using Server.Generation;
using Server.Queue;

namespace Server.Grpc;

/// <summary>align.v1.GenerationService: translates its messages to and from <see cref="GenerationService"/>, the request path HTTP uses too.</summary>
public sealed class GenerationGrpcService(GenerationService generation, AdapterService adapters) : IGrpcService
{
    public const string Name = "align.v1.GenerationService";

    public void AddMethods(GrpcMethodTable methods)
    {
        methods.Add(Name, "Generate", Generate);
        methods.Add(Name, "GenerateStream", GenerateStream);
        methods.Add(Name, "ListModels", ListModels);
        methods.Add(Name, "ListAdapters", ListAdapters);
        methods.Add(Name, "LoadAdapter", LoadAdapter);
        methods.Add(Name, "UnloadAdapter", UnloadAdapter);
    }

    private async Task Generate(GrpcCall call)
    {
        GenerateRequest request = await call.ReadRequestAsync(GenerateRequest.Parser);
        WorkItem item = Submit(call, request);
        GenerationResponse response = await item.Completion;
        await call.WriteAsync(GenerateMessageTranslation.ToMessage(response));
    }

    private async Task GenerateStream(GrpcCall call)
    {
        GenerateRequest request = await call.ReadRequestAsync(GenerateRequest.Parser);
        WorkItem item = Submit(call, request);
        await foreach (GenerationEvent e in item.Events.ReadAllAsync(call.Ended))
        {
            if (e is ErrorEvent error) throw error.Error;
            await call.WriteAsync(GenerateMessageTranslation.ToMessage(e));
        }
    }

    // The client's cancellation (not the call's deadline) goes to the work item with the timeout, so that the item
    // itself reports DEADLINE_EXCEEDED or CANCELLED and frees its worker either way.
    private WorkItem Submit(GrpcCall call, GenerateRequest request) =>
        generation.Submit(GenerateInputTranslation.ToInput(request), GrpcDispatcher.Transport, call.Timeout, call.ClientCancelled);

    private async Task ListModels(GrpcCall call)
    {
        await call.ReadRequestAsync(ListModelsRequest.Parser);
        var response = new ListModelsResponse();
        response.Models.Add(generation.ListModels().Select(GenerateMessageTranslation.ToMessage));
        await call.WriteAsync(response);
    }

    private async Task ListAdapters(GrpcCall call)
    {
        await call.ReadRequestAsync(ListAdaptersRequest.Parser);
        var response = new ListAdaptersResponse();
        response.Adapters.Add(adapters.List().Select(AdapterMessageTranslation.ToMessage));
        await call.WriteAsync(response);
    }

    private async Task LoadAdapter(GrpcCall call)
    {
        LoadAdapterRequest request = await call.ReadRequestAsync(LoadAdapterRequest.Parser);
        AdapterDescription loaded = await Task.Run(() => adapters.Load(request.Name, request.HasModel ? request.Model : null), call.Ended);
        await call.WriteAsync(AdapterMessageTranslation.ToMessage(loaded));
    }

    private async Task UnloadAdapter(GrpcCall call)
    {
        UnloadAdapterRequest request = await call.ReadRequestAsync(UnloadAdapterRequest.Parser);
        await call.WriteAsync(AdapterMessageTranslation.ToMessage(adapters.Unload(request.Name, request.HasModel ? request.Model : null)));
    }
}
