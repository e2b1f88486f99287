using System.Globalization;
using System.Text.Json;
using Server.Api;
using Server.Generation;
using Server.Models;
using Server.Queue;

namespace Server.Http.Automatic1111;

/// <summary>
/// POST /sdapi/v1/txt2img on the one request path: {images: [base64 PNG], parameters, info} where info is a JSON string
/// with the seeds, the sampler, the model and the adapters the LoRA tags applied.
/// </summary>
public static class Automatic1111Txt2Img
{
    public sealed record Response(IReadOnlyList<string> Images, Dictionary<string, object?> Parameters, string Info);

    public static async Task Handle(HttpContext context, GenerationService service, ModelCatalog catalog, Automatic1111Jobs jobs)
    {
        Txt2ImgRequest request;
        GenerationResponse response;
        GenerationRequest run;
        try
        {
            request = await ReadRequest(context);
            WorkItem item = service.Submit(Automatic1111Translation.ToInput(request, catalog), "automatic1111", null, context.RequestAborted);
            run = item.Request;
            using (Automatic1111Jobs.Job job = jobs.Start(item))
            {
                await foreach (GenerationEvent e in item.Events.ReadAllAsync(context.RequestAborted)) job.Observe(e);
            }
            response = await item.Completion;
        }
        catch (ServiceException e)
        {
            if (!context.RequestAborted.IsCancellationRequested) await Automatic1111Errors.WriteAsync(context, e);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client left; its request was cancelled with it
        }

        (Automatic1111Samplers.Sampler sampler, Automatic1111Samplers.ScheduleType schedule) = Automatic1111Samplers.Describe(response.Scheduler);
        context.Response.Headers["X-Request-Id"] = response.RequestId;
        await context.Response.WriteAsJsonAsync(new Response(
            request.SendImages == false ? [] : response.Images.Select(i => Convert.ToBase64String(i.Png)).ToArray(),
            Parameters(request, run, sampler.Name, schedule.Label),
            JsonSerializer.Serialize(Info(request, run, response, sampler.Name, schedule.Label), Automatic1111Json.Options)), Automatic1111Json.Options, context.RequestAborted);
    }

    private static async Task<Txt2ImgRequest> ReadRequest(HttpContext context)
    {
        try
        {
            return await JsonBody.ReadAsync<Txt2ImgRequest>(context, Automatic1111Json.Options);
        }
        catch (JsonBodyException e)
        {
            string field = e.Field ?? "body";
            throw ServiceException.Invalid(field, e.Problem switch
            {
                JsonBodyProblem.NotJson or JsonBodyProblem.NotObject => e.Message,
                JsonBodyProblem.WrongType => $"{field}: wrong type of value",
                _ => $"invalid JSON body at '{field}'",
            });
        }
    }

    // The request as A1111 echoes it, with the values the server filled in.
    private static Dictionary<string, object?> Parameters(Txt2ImgRequest r, GenerationRequest run, string sampler, string schedule) => new()
    {
        ["prompt"] = r.Prompt,
        ["negative_prompt"] = r.NegativePrompt ?? "",
        ["seed"] = r.Seed ?? -1,
        ["steps"] = run.Steps,
        ["cfg_scale"] = run.Guidance,
        ["width"] = run.Width,
        ["height"] = run.Height,
        ["batch_size"] = r.BatchSize ?? 1,
        ["n_iter"] = r.NIter ?? 1,
        ["sampler_name"] = sampler,
        ["scheduler"] = schedule,
        ["override_settings"] = r.OverrideSettings,
        ["send_images"] = r.SendImages ?? true,
    };

    private static Dictionary<string, object?> Info(Txt2ImgRequest r, GenerationRequest run, GenerationResponse response, string sampler, string schedule)
    {
        long[] seeds = response.Images.Select(i => i.Seed).ToArray();
        string negative = run.NegativePrompt ?? "";
        string lora = string.Join(", ", response.Adapters.Select(a => $"{a.Name}:{a.Weight.ToString(CultureInfo.InvariantCulture)}"));
        return new Dictionary<string, object?>
        {
            ["prompt"] = run.Prompt,
            ["all_prompts"] = seeds.Select(_ => run.Prompt).ToArray(),
            ["negative_prompt"] = negative,
            ["all_negative_prompts"] = seeds.Select(_ => negative).ToArray(),
            ["seed"] = seeds[0],
            ["all_seeds"] = seeds,
            ["subseed"] = -1,
            ["all_subseeds"] = seeds.Select(_ => -1).ToArray(),
            ["width"] = run.Width,
            ["height"] = run.Height,
            ["sampler_name"] = sampler,
            ["scheduler"] = schedule,
            ["cfg_scale"] = run.Guidance,
            ["steps"] = run.Steps,
            ["batch_size"] = r.BatchSize ?? 1,
            ["n_iter"] = r.NIter ?? 1,
            ["sd_model_name"] = response.Model,
            ["infotexts"] = seeds.Select(seed => Infotext(run, seed, sampler, schedule, response.Model, lora)).ToArray(),
            ["extra_generation_params"] = lora.Length > 0 ? new Dictionary<string, string> { ["Lora"] = lora } : new Dictionary<string, string>(),
            ["adapters"] = response.Adapters,
            ["request_id"] = response.RequestId,
        };
    }

    // A1111's "parameters" text, as its UI shows and its PNG info carries (the schedule type only when not automatic, as A1111 writes it).
    private static string Infotext(GenerationRequest run, long seed, string sampler, string schedule, string model, string lora) =>
        $"{run.Prompt}\n" + (run.NegativePrompt is { Length: > 0 } n ? $"Negative prompt: {n}\n" : "") +
        string.Create(CultureInfo.InvariantCulture, $"Steps: {run.Steps}, Sampler: {sampler}, ") +
        (schedule == "Automatic" ? "" : $"Schedule type: {schedule}, ") +
        string.Create(CultureInfo.InvariantCulture, $"CFG scale: {run.Guidance}, Seed: {seed}, Size: {run.Width}x{run.Height}, Model: {model}") +
        (lora.Length > 0 ? $", Lora: {lora}" : "");
}
