namespace Server.Http.OpenAi;

public static class OpenAiServices
{
    /// <summary>The OpenAI route's settings ("Server:OpenAi") and the images it serves by URL.</summary>
    public static IServiceCollection AddOpenAiImages(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<OpenAiOptions>(config.GetSection(OpenAiOptions.Section));
        return services.AddSingleton<OpenAiImageFiles>();
    }
}
