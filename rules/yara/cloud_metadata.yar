// Cloud instance metadata: the link-local address that hands out the machine's credentials.
//
// airlock built-in rules (docs/rules/yara-match.md).

rule cloud_metadata_credentials
{
    meta:
        id = "yara-cloud-metadata-credentials"
        severity = "low"
        description = "the cloud metadata address 169.254.169.254 with a credential path (IAM role, service-account or managed-identity token); cloud SDKs carry it too"
    strings:
        $ip = "169.254.169.254" ascii
        $aws = "iam/security-credentials" ascii
        $gcp = "service-accounts/default/token" ascii
        $azure = "metadata/identity/oauth2/token" ascii
    condition:
        $ip and any of ($aws, $gcp, $azure)
}
