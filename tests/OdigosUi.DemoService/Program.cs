using System.Diagnostics;
using System.Globalization;
using OdigosDemo;

const string Usage = """
    usage: odigos-demo [--seconds N] [--work ORDERS] [--orders-per-second N]
                                                        the .NET checkout service (hot path Checkout.ComputeTax -> HashLoop),
                                                        as fast as it can or at most N orders a second
           odigos-demo framework [SECONDS]              .NET spinning in precompiled framework code (string hashing:
                                                        System.Marvin.ComputeHash32 of CoreLib's ReadyToRun image);
                                                        needs DOTNET_TC_CallCounting=0
           odigos-demo native [SECONDS | -n ROUNDS]     the C program (main -> hot_loop, warm_loop), built with gcc
    The service prints "ready" once its hot path is compiled; a line "discount" on standard input turns on
    Checkout.ApplyDiscount -> DiscountLoop (compiled only then), "no-discount" turns it off.
    """;

if (args is ["native", .. var nativeArgs])
{
    var program = NativeDemo.CompileCached();
    throw Exec.Replace(program, [program, .. nativeArgs]);
}

if (args is ["framework", .. var frameworkArgs])
{
    // Precompiled code is only kept when call counting, which replaces it by a JIT-compiled tier, is off. Not set by
    // re-executing: the runtime after an exec cannot open its diagnostics IPC socket (the first one's file is left).
    if (Environment.GetEnvironmentVariable("DOTNET_TC_CallCounting") != "0")
    {
        Console.Error.WriteLine("odigos-demo framework: run it with DOTNET_TC_CallCounting=0 (its precompiled code would be rejitted)");
        return 2;
    }

    return FrameworkDemo.Run(frameworkArgs is [var text] && double.TryParse(text, CultureInfo.InvariantCulture, out var frameworkSeconds) && frameworkSeconds > 0 ? frameworkSeconds : null);
}

double? seconds = null;
long? work = null;
double? ordersPerSecond = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds" when i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var s) && s > 0:
            seconds = s;
            i++;
            break;
        case "--work" when i + 1 < args.Length && long.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var w) && w > 0:
            work = w;
            i++;
            break;
        case "--orders-per-second" when i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var r) && r > 0:
            ordersPerSecond = r;
            i++;
            break;
        default:
            Console.Error.WriteLine(Usage);
            return 2;
    }
}

var discounts = false;
_ = Task.Run(() =>
{
    while (Console.In.ReadLine() is { } line)
    {
        switch (line.Trim())
        {
            case "discount":
                Volatile.Write(ref discounts, true);
                break;
            case "no-discount":
                Volatile.Write(ref discounts, false);
                break;
        }
    }
});

Checkout.ProcessOrder(0, discounts: false);
Console.WriteLine("ready");

var clock = Stopwatch.StartNew();
var deadline = seconds is { } limit ? TimeSpan.FromSeconds(limit) : TimeSpan.MaxValue;
var orders = 0L;
while (work is { } total ? orders < total : clock.Elapsed < deadline)
{
    Checkout.ProcessOrder((int)orders, Volatile.Read(ref discounts));
    orders++;
    if (ordersPerSecond is { } rate && TimeSpan.FromSeconds(orders / rate) - clock.Elapsed is { Ticks: > 0 } ahead)
    {
        Thread.Sleep(ahead);
    }
}

if (work is not null)
{
    Console.WriteLine($"{orders} orders in {clock.Elapsed.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture)} ms");
}

return Checkout.Sink == 42 ? 1 : 0;
