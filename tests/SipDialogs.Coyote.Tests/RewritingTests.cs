using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using SipDialogs.Runtime;

namespace SipDialogs.Coyote.Tests;

/// <summary>
/// The build rewrites this project's own copies of SipDialogs.dll and of the tests for Coyote, and nothing else: without
/// the rewrite Coyote controls nothing and every exploration would pass vacuously; a rewrite of the library's own
/// output would slow down every other test and the server.
/// </summary>
public class RewritingTests
{
    private const string Signature = "RewritingSignatureAttribute";

    [Fact]
    public void TheLibraryAndTheTestsRunRewrittenForCoyote()
    {
        Assert.True(IsRewritten(typeof(Shard).Assembly), "SipDialogs.dll was loaded without Coyote's rewrite.");
        Assert.True(IsRewritten(typeof(RewritingTests).Assembly), "The test assembly was loaded without Coyote's rewrite.");
        Assert.Equal(AppContext.BaseDirectory, Path.GetDirectoryName(typeof(Shard).Assembly.Location) + Path.DirectorySeparatorChar);
    }

    [Fact]
    public void TheLibrarysOwnBuildOutputIsLeftAsCompiled()
    {
        // bin/<configuration>/<framework>/ here, and the same under src/SipDialogs.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = output.Name;
        string configuration = output.Parent!.Name;
        DirectoryInfo repository = output.Parent.Parent!.Parent!.Parent!.Parent!;
        string library = Path.Combine(repository.FullName, "src", "SipDialogs", "bin", configuration, framework, "SipDialogs.dll");
        Assert.True(File.Exists(library), $"No build of the library at {library}.");

        using FileStream file = File.OpenRead(library);
        using var pe = new PEReader(file);
        MetadataReader metadata = pe.GetMetadataReader();
        foreach (CustomAttributeHandle handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            CustomAttribute attribute = metadata.GetCustomAttribute(handle);
            string type = attribute.Constructor.Kind == HandleKind.MemberReference
                ? TypeName(metadata, metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent)
                : string.Empty;
            Assert.NotEqual(Signature, type);
        }
    }

    private static bool IsRewritten(Assembly assembly) =>
        assembly.GetCustomAttributes().Any(static a => a.GetType().Name == Signature);

    private static string TypeName(MetadataReader metadata, EntityHandle type) => type.Kind == HandleKind.TypeReference
        ? metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)type).Name)
        : string.Empty;
}
