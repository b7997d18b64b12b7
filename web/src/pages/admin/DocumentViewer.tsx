import Box from '@mui/material/Box';
import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDocumentContentMutation, type CustomerDocument } from '../../api/admin';
import { problemOf, type ApiProblem } from '../../api/errors';
import { Loading } from '../../components/Loading';
import { ProblemAlert } from '../../components/ProblemAlert';

/**
 * One identity document, fetched with the session's token into a blob: URL (an <img> or a PDF
 * frame cannot send the Authorization header themselves); the URL is revoked when it goes.
 */
export function DocumentViewer({ customerId, document }: { customerId: string; document: CustomerDocument }) {
  const { t } = useTranslation();
  const [fetchContent] = useDocumentContentMutation();
  const [url, setUrl] = useState<string | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  useEffect(() => {
    let live = true;
    let made: string | null = null;
    setUrl(null);
    setProblem(null);
    fetchContent({ customerId, documentId: document.document_id })
      .unwrap()
      .then((objectUrl) => {
        made = objectUrl;
        if (live) setUrl(objectUrl);
        else URL.revokeObjectURL(objectUrl);
      })
      .catch((error: unknown) => {
        if (live) setProblem(problemOf(error));
      });
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [customerId, document.document_id, fetchContent]);

  const kind = t(`admin.documentKind.${document.kind}`, { defaultValue: document.kind });
  const label = t('admin.kyc.documentLabel', { kind });
  if (problem) return <ProblemAlert problem={problem} title={t('admin.kyc.documentUnavailable')} />;
  if (!url) return <Loading />;
  return (
    <Box data-testid="document-viewer" sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1, bgcolor: 'background.default' }}>
      {document.content_type.startsWith('image/') ? (
        <Box component="img" src={url} alt={label} sx={{ display: 'block', maxWidth: '100%', maxHeight: '70vh', mx: 'auto' }} />
      ) : (
        <Box component="object" data={url} type={document.content_type} aria-label={label} sx={{ display: 'block', width: '100%', height: '70vh', border: 0 }}>
          <Typography sx={{ p: 2 }}>{t('admin.kyc.noInlineViewer')}</Typography>
        </Box>
      )}
      <Link href={url} download={`${document.kind}-${document.document_id.slice(0, 8)}`} sx={{ display: 'inline-block', mt: 1 }}>
        {t('admin.kyc.download', { kind })}
      </Link>
    </Box>
  );
}
