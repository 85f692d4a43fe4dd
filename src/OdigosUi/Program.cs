using OdigosUi.Cli;
using OdigosUi.Hosting;

// One executable, two faces: `odigos-ui profiles ...` is the offline CLI; anything else runs the web host.
if (ProfilesCli.Handles(args))
{
    return ProfilesCli.Run(args, CliStreams.FromConsole());
}

return await OdigosUiHost.RunAsync(args);
