// The balance-over-time graph: its own lazy chunk (Recharts is big), shown beside a text
// alternative that BalanceHistory renders whatever happens to this chunk.
import Box from '@mui/material/Box';
import { useTheme } from '@mui/material/styles';
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney } from '../format';

export interface BalancePoint {
  /** ms since the epoch */
  at: number;
  /** for display only: the decimal string's value */
  balance: number;
  /** the API's decimal string */
  label: string;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

export default function BalanceChart({ points, currency }: { points: BalancePoint[]; currency: string }) {
  const theme = useTheme();
  const compact = new Intl.NumberFormat(undefined, { style: 'currency', currency, notation: 'compact' });
  const colour = theme.vars?.palette.primary.main ?? theme.palette.primary.main;
  const axis = theme.vars?.palette.text.secondary ?? theme.palette.text.secondary;
  const grid = theme.vars?.palette.divider ?? theme.palette.divider;
  const first = points[0]?.at ?? 0;
  const last = points[points.length - 1]?.at ?? 0;
  return (
    // The text alternative next to it says the same: the graph itself is hidden from assistive tech.
    <Box aria-hidden="true" data-testid="balance-chart" sx={{ width: '100%', height: 180 }}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid stroke={grid} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={[first, last]}
            tickFormatter={(value: number) => dayFormat.format(new Date(value))}
            stroke={axis}
            tick={{ fill: axis, fontSize: 12 }}
            minTickGap={24}
          />
          <YAxis
            width={64}
            stroke={axis}
            tick={{ fill: axis, fontSize: 12 }}
            tickFormatter={(value: number) => compact.format(value)}
            domain={['auto', 'auto']}
          />
          <Tooltip
            labelFormatter={(value) => dateTimeFormat.format(new Date(Number(value)))}
            formatter={(_value, _name, item) => [formatMoney((item.payload as BalancePoint).label, currency), '']}
            contentStyle={{ background: theme.vars?.palette.background.paper, color: theme.vars?.palette.text.primary }}
          />
          <Area type="stepAfter" dataKey="balance" stroke={colour} fill={colour} fillOpacity={0.15} strokeWidth={2} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </Box>
  );
}
