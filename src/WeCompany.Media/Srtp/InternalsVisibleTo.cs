using System.Runtime.CompilerServices;

// The RFC 7714 vectors give session keys, not master keys: the tests build transforms from them directly.
[assembly: InternalsVisibleTo("WeCompany.Media.Tests")]
