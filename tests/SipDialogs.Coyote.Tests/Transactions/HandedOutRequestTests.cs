using SipDialogs.Hosting;
using SipDialogs.Messages;
using SipDialogs.Transactions;

namespace SipDialogs.Coyote.Tests.Transactions;

/// <summary>
/// A request handed to application code, read from two application tasks while its shard answers it: the shard reads
/// the same request to build its response (decoding its Via), and what lingers after the final response keeps none of
/// it. Under every schedule Coyote explores, the readers see one value of each header, the same object for both, and
/// the object the application holds is never changed.
/// </summary>
public class HandedOutRequestTests
{
    [Fact]
    public void ApplicationReadersAndTheShardAnsweringTheRequestAgreeAndTheApplicationsObjectIsNeverChanged()
    {
        Exploration.Run(static async () =>
        {
            var server = new ServerHarness();
            server.Receive(ServerHarness.Request(SipMethods.Invite, "handed-out"));
            SipServerRequest handedOut = await server.HandedOut;
            SipRequest request = handedOut.Request;

            Task<Headers> first = Task.Run(() => Headers.Read(request));
            Task<Headers> second = Task.Run(() => Headers.Read(request));
            Task answer = handedOut.Transaction.Shard.RunAsync(
                static t => { Assert.True(t.Respond(t.CreateResponse(486))); }, handedOut.Transaction).AsTask();
            Headers[] read = await Task.WhenAll(new[] { first, second });
            await answer;

            // One value of each header, and one object: the first reader to decode it published it for both.
            Assert.Same(read[0].From, read[1].From);
            Assert.Same(read[0].Via, read[1].Via);
            Assert.Same(read[0].Contact, read[1].Contact);
            Assert.Equal("alice1", read[0].From.Tag);
            Assert.Equal("z9hG4bK-1", read[0].Via[0].Branch);
            Assert.Equal(70, read[0].MaxForwards);

            // The application's object kept every decoded value, and nothing of it was dropped afterwards.
            Assert.True(request.HasDecodedHeaders);
            Assert.Same(read[0].From, request.From);
            Assert.Same(read[0].Via, request.Via);

            // The transaction's request is the application's object, untouched; what lingers on the shard is apart from it.
            (SipRequest held, TransactionState state) = await handedOut.Transaction.Shard.RunAsync(
                static t => (t.Request, t.State), handedOut.Transaction);
            Assert.Same(request, held);
            Assert.True(held.HasDecodedHeaders);
            Assert.Equal(TransactionState.Completed, state);
            Assert.Equal([486], server.Wire.StatusesOf(SipMethods.Invite));
            await server.DisposeAsync();
        }, iterations: 100);
    }

    /// <summary>What one application task read, each header twice: the second read must give the first's object.</summary>
    private sealed record Headers(NameAddress From, IReadOnlyList<ViaHeader> Via, IReadOnlyList<ContactHeader> Contact, int? MaxForwards)
    {
        public static Headers Read(SipRequest request)
        {
            var headers = new Headers(request.From, request.Via, request.Contact, request.MaxForwards);
            Assert.Same(headers.From, request.From);
            Assert.Same(headers.Via, request.Via);
            Assert.Same(headers.Contact, request.Contact);
            Assert.Equal(headers.MaxForwards, request.MaxForwards);
            return headers;
        }
    }
}
