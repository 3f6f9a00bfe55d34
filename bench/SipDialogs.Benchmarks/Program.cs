using System.Globalization;
using BenchmarkDotNet.Running;
using SipDialogs.Benchmarks;

// Memory figures are bytes, not times: they run outside BenchmarkDotNet.
if (args.Length > 0 && args[0] == "lingering")
{
    await LingeringMemory.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000).ConfigureAwait(false);
    return;
}

if (args.Length > 0 && args[0] == "uas-call")
{
    await UasCallAllocations.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000).ConfigureAwait(false);
    return;
}

if (args.Length > 0 && args[0] == "udp-receive")
{
    int seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
    int[] loops = args.Length > 2 ? Array.ConvertAll(args[2..], static a => int.Parse(a, CultureInfo.InvariantCulture)) : [1, 2];
    await UdpReceiveRate.RunAsync(seconds, loops).ConfigureAwait(false);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
