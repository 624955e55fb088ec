from django.contrib import admin

from .models import AccessGrant, AccessRequest, DownloadLog, Release, ReleaseBundle

# Read-only: every change goes through the services (four-eyes rule, event log).


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("title", "version", "organisation", "status", "proposed_by", "decided_by", "published_at")
    list_filter = ("organisation", "status")


@admin.register(ReleaseBundle)
class ReleaseBundleAdmin(ReadOnlyAdmin):
    list_display = ("release", "status", "keyid", "archive_size", "finished_at")


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyAdmin):
    list_display = ("release", "researcher", "status", "created_at", "decided_by")
    list_filter = ("status",)


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ("release", "researcher", "created_at", "expires_at", "revoked_at")
    exclude = ("token_hash",)


@admin.register(DownloadLog)
class DownloadLogAdmin(ReadOnlyAdmin):
    list_display = ("username", "file", "outcome", "at", "ip_address")
    list_filter = ("outcome",)
