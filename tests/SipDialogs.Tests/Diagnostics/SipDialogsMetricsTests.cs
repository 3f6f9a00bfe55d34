using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SipDialogs.Dialogs;
using SipDialogs.Hosting;
using SipDialogs.Tests.Dialogs;
using SipDialogs.Tests.Refer;
using SipDialogs.Tests.Infrastructure;

namespace SipDialogs.Tests.Diagnostics;

/// <summary>The stack's instruments on meter SipDialogs, read with a listener as an exporter reads them.</summary>
public sealed class SipDialogsMetricsTests
{
    [Fact]
    public async Task AStackWithAMeterFactoryCountsItsCallsDialogsAndMessagesExactly()
    {
        // The default T1 (500 ms): a 50 ms one would resend INVITEs often.
        await using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var callee = new SipStack(new SipStackOptions { Listen = { "udp:127.0.0.1:0" } }, new IncomingCallUas((call, ct) => call.AnswerAsync(CallTests.Offer, cancellationToken: ct)),
            meterFactory: services.GetRequiredService<IMeterFactory>());
        await using var caller = new SipStack(new SipStackOptions { Listen = { "udp:127.0.0.1:0" } });
        await using (callee)
        {
            await callee.StartAsync();
            await caller.StartAsync();
            string target = "sip:bob@" + callee.LocalEndPoints[0].Address;
            using var measured = new Measured();

            const int calls = 3;
            var dialogs = new List<Dialog>();
            for (int i = 0; i < calls; i++)
            {
                OutgoingCall call = await caller.InviteAsync(target, new InviteOptions { SessionDescription = CallTests.Offer });
                dialogs.Add(await call.Answered.WaitAsync(CallTests.Timeout));
            }

            await Poll.UntilAsync(() => measured.Collect("sipdialogs.dialog.active", "confirmed") == calls, CallTests.Timeout, "3 confirmed dialogs");
            Assert.Equal(0, measured.Collect("sipdialogs.dialog.active", "early"));
            await dialogs[0].ByeAsync().WaitAsync(CallTests.Timeout);
            await Poll.UntilAsync(() => measured.Collect("sipdialogs.dialog.active", "confirmed") == calls - 1, CallTests.Timeout, "one dialog ended");

            Assert.Equal(calls, measured.Collect("sipdialogs.call.started", "uas"));
            Assert.Equal(calls, measured.Collect("sipdialogs.call.answered", "uas"));
            Assert.Equal(0, measured.Collect("sipdialogs.call.failed", "4xx"));
            Assert.Equal(calls, measured.HistogramCount("sipdialogs.call.setup.duration"));
            // Every INVITE received counts, a retransmission too: the first call of a cold process may take longer than
            // T1 to answer while the code is compiled, and the caller sends its INVITE again (RFC 3261 §17.1.1.2).
            Assert.InRange(measured.Collect("sipdialogs.message.received", "INVITE", "request"), calls, 2 * calls);
            Assert.Equal(1, measured.Collect("sipdialogs.message.received", "BYE", "request"));
            Assert.True(measured.Collect("sipdialogs.message.sent", "INVITE", "response") >= calls); // 200s, 100s when slow.
            Assert.Equal(0, measured.Collect("sipdialogs.drain.active", null));
            Assert.True(measured.Collect("sipdialogs.shard.turns", null) > 0, "the shards' turns are counted");
        }
    }

    [Fact]
    public async Task TransfersAreCountedByRoleAndResultOnBothSides()
    {
        await using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var measured = new Measured();
        int answered = 0;
        await using Trio trio = await Trio.StartAsync(
            atTarget: async (call, ct) =>
            {
                if (Interlocked.Increment(ref answered) == 1)
                {
                    await call.AnswerAsync(Trio.Sdp, cancellationToken: ct);
                }
                else
                {
                    await call.RejectAsync(486, cancellationToken: ct);
                }
            },
            transferee: Trio.AcceptReferrals,
            meterFactory: services.GetRequiredService<IMeterFactory>());
        (Dialog atA, _) = await trio.CallTransfereeAsync();

        // One transfer to a target that answers, one to a target that is busy.
        Transfer first = await atA.ReferAsync(Trio.UriOf(trio.Target, "carol"));
        Assert.Equal(TransferResult.Succeeded, (await first.Completion.WaitAsync(CallTests.Timeout)).Result);
        Transfer second = await atA.ReferAsync(Trio.UriOf(trio.Target, "dave"));
        Assert.Equal(TransferResult.Failed, (await second.Completion.WaitAsync(CallTests.Timeout)).Result);

        await Poll.UntilAsync(() => measured.Collect("sipdialogs.transfer.completed", "transferee", "failed") == 1, CallTests.Timeout, "the transferee counted its failed transfer");
        Assert.Equal(1, measured.Collect("sipdialogs.transfer.completed", "transferor", "succeeded"));
        Assert.Equal(1, measured.Collect("sipdialogs.transfer.completed", "transferor", "failed"));
        Assert.Equal(1, measured.Collect("sipdialogs.transfer.completed", "transferee", "succeeded"));
        Assert.Equal(0, measured.Collect("sipdialogs.transfer.completed", null, "unknown"));

        trio.Received[trio.Target].TryPeek(out IncomingCall? atC);
        Dialog atCDialog = atC!.Dialog!;
        await Poll.UntilAsync(() => atCDialog.State == DialogState.Confirmed, CallTests.Timeout, "C confirmed");
        Assert.Equal(200, (await atCDialog.ByeAsync().WaitAsync(CallTests.Timeout)).StatusCode);
        Assert.Equal(200, (await atA.ByeAsync().WaitAsync(CallTests.Timeout)).StatusCode);
        await trio.AssertEverythingFreedAsync();
    }

    [Fact]
    public async Task ABridgeCountsWhatCrossesByTheLegItCameFrom()
    {
        await using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var measured = new Measured();
        await using var callee = new SipStack(Parties.Options(), new IncomingCallUas(static async (call, _) =>
        {
            await call.RingAsync(CancellationToken.None);
            await call.AnswerAsync(CallTests.Offer, cancellationToken: CancellationToken.None); // An INFO the stack answers 200.
        }));
        SipStack? bridgeStack = null;
        string calleeUri = string.Empty;
        var bridged = new TaskCompletionSource<SipDialogs.Bridging.CallBridge>(TaskCreationOptions.RunContinuationsAsynchronously);
        SipStackOptions bridgeOptions = Parties.Options();
        bridgeOptions.MetricsMode = "b2bua";
        await using var bridge = bridgeStack = new SipStack(bridgeOptions, new IncomingCallUas(async (call, _) =>
        {
            var made = new SipDialogs.Bridging.CallBridge(bridgeStack!, call);
            bridged.TrySetResult(made);
            await made.ConnectAsync(calleeUri, cancellationToken: CancellationToken.None);
        }), meterFactory: services.GetRequiredService<IMeterFactory>());
        await using var caller = new SipStack(Parties.Options());
        await callee.StartAsync();
        await bridge.StartAsync();
        await caller.StartAsync();
        calleeUri = "sip:bob@" + callee.LocalEndPoints[0].Address;

        OutgoingCall placed = await caller.InviteAsync("sip:bob@" + bridge.LocalEndPoints[0].Address, new InviteOptions { SessionDescription = CallTests.Offer });
        Dialog dialog = await placed.Answered.WaitAsync(CallTests.Timeout);
        Assert.Equal(200, (await dialog.InfoAsync("Signal=1\r\n", "application/dtmf-relay").WaitAsync(CallTests.Timeout)).StatusCode);
        await dialog.ByeAsync().WaitAsync(CallTests.Timeout);
        await (await bridged.Task.WaitAsync(CallTests.Timeout)).Ended.WaitAsync(CallTests.Timeout);

        Assert.Equal(3, measured.Collect("sipdialogs.bridge.relayed", "b2bua", "a", "request")); // INVITE, INFO, BYE.
        Assert.Equal(3, measured.Collect("sipdialogs.bridge.relayed", "b2bua", "b", "response")); // 180, 200, the INFO's 200.
        Assert.Equal(0, measured.Collect("sipdialogs.bridge.relayed", "b2bua", "a", "response"));
        Assert.Equal(0, measured.Collect("sipdialogs.bridge.relayed", "b2bua", "b", "request"));
        await Parties.AssertFreedAsync(caller, bridge, callee);
    }

    /// <summary>Listens to the meter SipDialogs of one stack and sums what its instruments report, by attribute values.</summary>
    private sealed class Measured : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, List<(long Value, string[] Tags)>> _observed = [];
        private readonly Dictionary<string, long> _histogramCounts = [];

        public Measured()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "SipDialogs")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                lock (_observed)
                {
                    string[] values = new string[tags.Length];
                    for (int i = 0; i < tags.Length; i++)
                    {
                        values[i] = tags[i].Value?.ToString() ?? "";
                    }

                    if (!_observed.TryGetValue(instrument.Name, out var list))
                    {
                        _observed[instrument.Name] = list = [];
                    }

                    list.Add((value, values));
                }
            });
            _listener.SetMeasurementEventCallback<double>((instrument, _, _, _) =>
            {
                lock (_observed)
                {
                    _histogramCounts[instrument.Name] = _histogramCounts.GetValueOrDefault(instrument.Name) + 1;
                }
            });
            _listener.Start();
        }

        /// <summary>Observes every observable instrument now and sums the measurements whose attributes hold all <paramref name="values"/>.</summary>
        public long Collect(string name, params string?[]? values)
        {
            lock (_observed)
            {
                _observed.Clear();
            }

            _listener.RecordObservableInstruments();
            long sum = 0;
            lock (_observed)
            {
                foreach ((long value, string[] tags) in _observed.GetValueOrDefault(name) ?? [])
                {
                    bool all = true;
                    foreach (string? wanted in values ?? [])
                    {
                        all &= wanted is null || Array.IndexOf(tags, wanted) >= 0;
                    }

                    sum += all ? value : 0;
                }
            }

            return sum;
        }

        public long HistogramCount(string name)
        {
            lock (_observed)
            {
                return _histogramCounts.GetValueOrDefault(name);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
