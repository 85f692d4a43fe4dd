"""An independent reading of pprof (profile.proto) for bench/real-captures/check.py: a plain protobuf decoder, the
design's frame labels, Pyroscope's .NET function-id repair, stacks of value 0 left out."""
import sys,gzip,collections
def varint(b,i):
    r=0;s=0
    while True:
        x=b[i];i+=1;r|=(x&0x7f)<<s;s+=7
        if x<0x80: return r,i
def fields(b):
    i=0;n=len(b)
    while i<n:
        t,i=varint(b,i);f=t>>3;w=t&7
        if w==0: v,i=varint(b,i)
        elif w==1: v=b[i:i+8];i+=8
        elif w==5: v=b[i:i+4];i+=4
        elif w==2:
            l,i=varint(b,i);v=b[i:i+l];i+=l
        else: raise Exception('wire %d'%w)
        yield f,w,v
def packed(w,v):
    if w==0: return [v]
    out=[];i=0
    while i<len(v):
        x,i=varint(v,i);out.append(x)
    return out
def s64(x): return x-(1<<64) if x>=1<<63 else x
def load(path):
    b=open(path,'rb').read()
    if b[:2]==b'\x1f\x8b': b=gzip.decompress(b)
    st=[];types=[];samples=[];locs={};funcs={};maps={};locorder=[];funcorder=[]
    for f,w,v in fields(b):
        if f==1:
            d=dict((ff,vv) for ff,ww,vv in fields(v)); types.append((d.get(1,0),d.get(2,0)))
        elif f==2:
            lids=[];vals=[]
            for ff,ww,vv in fields(v):
                if ff==1: lids+=packed(ww,vv)
                elif ff==2: vals+=[s64(x) for x in packed(ww,vv)]
            samples.append((lids,vals))
        elif f==3:
            d={}
            for ff,ww,vv in fields(v): d[ff]=vv
            maps[d.get(1,0)]=d
        elif f==4:
            d={'lines':[]}
            for ff,ww,vv in fields(v):
                if ff==4: d['lines'].append(dict((a,c) for a,_,c in fields(vv)))
                else: d[ff]=vv
            locs[d.get(1,0)]=d; locorder.append(d)
        elif f==5:
            d=dict((ff,vv) for ff,ww,vv in fields(v)); funcs[d.get(1,0)]=d; funcorder.append(d)
        elif f==6: st.append(v.decode('utf-8','replace'))
    # dotnet fix
    if funcorder and all(fn.get(1,0)==0 for fn in funcorder) and len(funcorder)>=len(locorder):
        funcs={}
        for i,l in enumerate(locorder):
            funcorder[i][1]=l.get(1,0); funcs[l.get(1,0)]=funcorder[i]
    return st,types,samples,locs,funcs,maps
def folded(path, idx):
    st,types,samples,locs,funcs,maps=load(path)
    out=collections.Counter()
    for lids,vals in samples:
        frames=[]
        for lid in lids:
            l=locs[lid]
            if not l['lines']:
                m=maps.get(l.get(2,0),{})
                fn=st[m.get(5,0)] if m else ''
                a=l.get(3,0)
                if fn and m.get(2,0)<=a<m.get(3,0): a=a-m.get(2,0)+m.get(4,0)
                frames.append((fn.split('/')[-1]+'+' if fn else '')+'0x%x'%a); continue
            for ln in l['lines']:
                fnc=funcs.get(ln.get(1,0),{})
                name=st[fnc.get(2,0)] or st[fnc.get(3,0)] or '%s:%d'%(st[fnc.get(4,0)],ln.get(2,0))
                frames.append(name.replace('\n', '\ufffd').replace('\r', '\ufffd'))
        out[';'.join(reversed(frames))]+=vals[idx]
    return {k:v for k,v in out.items() if v!=0}, ['%s:%s'%(st[a],st[b]) for a,b in types]
if False:
    st,types,*_=load(sys.argv[1])
    print(' '.join('%s:%s'%(st[a],st[b]) for a,b in types))


def period_type(path):
    b = open(path, 'rb').read()
    if b[:2] == b'\x1f\x8b':
        b = gzip.decompress(b)
    strings = load(path)[0]
    for f, w, v in fields(b):
        if f == 11:
            d = dict((a, c) for a, _, c in fields(v))
            return strings[d.get(1, 0)], strings[d.get(2, 0)]
    return '', ''
