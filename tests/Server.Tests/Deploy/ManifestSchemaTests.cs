using Server.Tests.RealProcess;

namespace Server.Tests.Deploy;

/// <summary>
/// Every kustomization under k8s/ renders with kubectl, and every object it renders passes the official schemas:
/// kubernetes-models for the built-in kinds, @kubernetes-models/keda and @kubernetes-models/prometheus-operator for
/// ScaledObject, ServiceMonitor and PrometheusRule (Deploy/validate/validate.mjs, offline).
/// </summary>
public class ManifestSchemaTests
{
    public static TheoryData<string> Kustomizations => new(Kustomize.Kustomizations);

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public async Task EveryRenderedObjectPassesItsSchema(string kustomization)
    {
        string yaml = await Kustomize.RenderAsync(kustomization);

        Tool.Result r = await Kustomize.RunNodeAsync("validate.mjs", yaml);

        Assert.True(r.ExitCode == 0, $"k8s/{kustomization} has objects the schemas refuse:\n{r}");
        Assert.Contains(" 0 invalid", r.Stdout);
    }

    [Theory]
    [InlineData("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two, selector: {}, template: {}}\n", "spec/replicas must be integer")]
    [InlineData("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec: {scaleTargetRef: {name: y}, triggers: [{type: prometheus}]}\n", "must have required property metadata")]
    [InlineData("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec: {groups: [{name: g, rules: [{alert: A}]}]}\n", "must have required property expr")]
    [InlineData("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: x}\n", "no schema for apiVersion example.com/v1")]
    public async Task TheValidatorRefusesWhatTheSchemasRefuseSoTheCheckAboveCanFail(string yaml, string reason)
    {
        Tool.Result r = await Kustomize.RunNodeAsync("validate.mjs", yaml);

        Assert.True(r.ExitCode == 1, $"validate.mjs accepted an invalid object:\n{r}");
        Assert.Contains(reason, r.Stdout);
    }
}
