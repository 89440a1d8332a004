from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local private storage: files have no public URL.

    Documents are served only through permission-checked views that stream
    them with ``Content-Disposition: attachment``; asking for a URL is a bug.
    """

    def url(self, name):
        raise NotImplementedError("private files have no public URL; serve them through a permission-checked view")
