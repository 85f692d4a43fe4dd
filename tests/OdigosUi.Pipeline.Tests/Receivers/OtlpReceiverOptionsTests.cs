using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OdigosUi.Pipeline.Receivers;

namespace OdigosUi.Pipeline.Tests.Receivers;

public sealed class OtlpReceiverOptionsTests
{
    private static ValidateOptionsResult Validate(string grpc, string http, params string[] ui) =>
        new OtlpReceiverOptionsValidator(new ReceiverListenPlan(ui.Length == 0 ? ["http://127.0.0.1:3000"] : ui))
            .Validate(null, new OtlpReceiverOptions { GrpcUrl = grpc, HttpUrl = http });

    [Theory]
    [InlineData("http://127.0.0.1:4317", "http://127.0.0.1:4318")]
    [InlineData("http://0.0.0.0:4317", "http://[::]:4318")]
    [InlineData("https://localhost:4317", "http://localhost:4318")]
    [InlineData("http://127.0.0.1:0", "http://127.0.0.1:0")]
    [InlineData("http://*:4317", "http://+:4318")]
    public void Accepts_bindable_addresses(string grpc, string http) => Assert.True(Validate(grpc, http).Succeeded);

    [Theory]
    [InlineData("", "Otlp:GrpcUrl: must not be empty")]
    [InlineData("grpc://127.0.0.1:4317", "is not a valid http:// or https:// address")]
    [InlineData("127.0.0.1:4317", "is not a valid http:// or https:// address")]
    [InlineData("http://127.0.0.1", "is not a valid http:// or https:// address")]
    [InlineData("http://127.0.0.1:99999", "is not a valid http:// or https:// address")]
    [InlineData("http://127.0.0.1:4317/otlp", "must not have a path")]
    [InlineData("http://127.0.0.1:4317;http://127.0.0.1:4319", "must be a single address")]
    [InlineData("http://localhost:0", "cannot use port 0 with localhost")]
    [InlineData("http://127.0.0.1:4318", "Otlp:HttpUrl: port 4318 is already used by Otlp:GrpcUrl")]
    [InlineData("http://0.0.0.0:3000", "port 3000 is already used by Ui:Url")]
    public void Rejects_a_bad_grpc_url_naming_the_key(string grpc, string expected)
    {
        var result = Validate(grpc, "http://127.0.0.1:4318");

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_the_http_url_on_the_ui_port()
    {
        var result = Validate("http://127.0.0.1:4317", "http://localhost:3000", "http://127.0.0.1:3000");

        Assert.True(result.Failed);
        Assert.Contains("Otlp:HttpUrl: port 3000 is already used by Ui:Url", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_url_fails_start_up_with_the_key_named()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Otlp:GrpcUrl"] = "ftp://nowhere",
            ["Otlp:HttpUrl"] = "http://127.0.0.1:0",
            ["Otlp:MaxRequestBytes"] = "5",
        });
        builder.ConfigureOtlpReceivers(["http://127.0.0.1:0"], _ => new RecordingConsumer());
        await using var app = builder.Build();
        app.MapOtlpReceivers();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        var messages = Flatten(error).ToList();
        Assert.Contains(messages, m => m.Contains("Otlp:GrpcUrl: 'ftp://nowhere'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.Contains("Otlp:MaxRequestBytes: 5 is out of range", StringComparison.Ordinal));

        static IEnumerable<string> Flatten(Exception e) => e switch
        {
            OptionsValidationException v => v.Failures,
            AggregateException a => a.InnerExceptions.SelectMany(Flatten),
            _ => [e.Message],
        };
    }
}
